"""Step through's parts: where the run comes from (input, h0/c0, model), the cached trace, 'What if?', export."""
