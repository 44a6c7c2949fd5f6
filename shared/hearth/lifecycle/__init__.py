"""The data lifecycle: retention and purges, exports, and deletion."""
