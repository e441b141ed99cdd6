"""Equivariant layers (``nn.Module`` s) built on the core math; subpackages per family."""
