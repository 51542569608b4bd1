"""What is measured on the models in view, and what each claim concludes from the figures."""
