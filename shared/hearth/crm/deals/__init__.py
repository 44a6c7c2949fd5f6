"""Deals: opportunities moving through a pipeline's stages, with their stage history."""
