"""Reading: text in, plain data with the FILE:LINE:COL of every value out."""
