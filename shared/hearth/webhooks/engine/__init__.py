"""The delivery engine: fan-out, the sender, the dispatcher; it never imports the API modules."""
