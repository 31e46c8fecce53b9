"""Lead scoring and reply suggestions: the provider contract, the offline model, its evaluation."""
