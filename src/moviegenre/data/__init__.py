"""Reading movies from files (one module per format), labels, splits and safe image loading."""
