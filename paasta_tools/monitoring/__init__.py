"""Pure logic of the host-side monitoring checks (synapse replication, orphaned containers)."""
