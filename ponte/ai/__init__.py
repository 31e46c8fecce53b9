"""Ponte's offline intelligence: lead scoring from what customers write."""
