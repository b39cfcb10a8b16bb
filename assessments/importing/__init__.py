"""Question import shared by GIFT and Aiken: the per-question report, and reading an uploaded file."""
