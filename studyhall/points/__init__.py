"""Points: rules with caps, an append-only ledger, kept totals and the boards read from them."""
