"""Strategic Autonomy Monitor: dependence, alignment and what-if scenarios for any country."""

__version__ = "0.1.0"
