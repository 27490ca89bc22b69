"""The sandbox Bharat Connect network: NBBL and a buyer, simulated over real HTTP (docs/decisions/0007)."""
