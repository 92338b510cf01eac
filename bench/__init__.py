"""`make bench`: side-by-side measurements of our code against the practical limits of the machine it runs on."""
