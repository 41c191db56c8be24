"""Recipients: one file per person (一人一档), collection and upward review, transfers."""
