"""Which model, and how it trains: the catalog of configs, the shared model cache, the one trainer
and its jobs, the training page's session, the models the exploring pages show, the hosted limits."""
