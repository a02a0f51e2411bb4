"""Clients of other servers: Graph Store Protocol, publishing, a remote engine."""
