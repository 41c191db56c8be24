"""What other apps may use from petitions: the petitioner's progress query for the portal
(query code and identity number; that petition's status and dated steps only). Functions and
read-only values only, no model class."""

from .selectors import PetitionProgress, PublicStep, petition_progress

__all__ = ["PetitionProgress", "PublicStep", "petition_progress"]
