"""What the API server does to an object before storing it: Kubernetes' defaulting and validation.

`apply_defaults` fills the fields Kubernetes defaults; `validate` and `validate_update` return
every `FieldError` (path, reason, value) the object (or the change) has, so a 422 names them all.
This is server policy, not contract: components read objects, the server vets them.
"""

from __future__ import annotations

from components.apiserver.validation.defaults import apply_defaults, default_image_pull_policy
from components.apiserver.validation.objects import validate, validate_update

__all__ = ["apply_defaults", "default_image_pull_policy", "validate", "validate_update"]
