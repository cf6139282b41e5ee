"""Layer 7: the labs and the commands of the ``axon`` tool."""
