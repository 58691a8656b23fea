"""Response policies: what the organisation does, and the effects of what it says."""
