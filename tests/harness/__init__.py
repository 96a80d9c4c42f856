"""Test fixtures' building blocks: throwaway services started with the same code as start.sh."""
