"""Lead scoring and reply suggestions: the provider contract, the offline model, its
evaluation, the remote providers and each organization's choice among them."""
