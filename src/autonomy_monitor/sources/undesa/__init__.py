"""undesa source: bulk parsing and live fetching of one publisher."""
