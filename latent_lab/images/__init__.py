"""Which images the models learn from: the built-in 8×8 digits, or a visitor's upload."""
