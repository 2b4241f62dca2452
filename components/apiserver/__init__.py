"""kubelab API server: stateless, Kubernetes wire format, over any Store."""
