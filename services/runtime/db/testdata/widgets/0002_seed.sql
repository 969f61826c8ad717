-- Characters that would break a naive embedding: )" ]]" \ ' $$ and a NUL-free
-- non-ASCII run: żółw ✓
CREATE FUNCTION widget_label(n text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT 'widget "' || n || '" )"'
$$;
INSERT INTO widgets (name, note) VALUES ('seed', E'back\\slash');
