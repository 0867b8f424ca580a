"""Stations, their printed cards, the card PDF and whether each station is covered."""
