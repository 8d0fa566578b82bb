"""Cities, the taxonomy and "me": the reference data every client reads first."""
