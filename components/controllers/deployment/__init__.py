"""The Deployment controller: rollouts of ReplicaSets (RollingUpdate, Recreate) and status."""

from __future__ import annotations

from components.controllers.deployment.controller import DeploymentController

__all__ = ["DeploymentController"]
