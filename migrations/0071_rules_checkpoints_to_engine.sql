-- The rules engine's subscriptions (event triggers `rules:<served>`, bonus points `rules-bonus:<served>`)
-- now run on the engine's shared checkpointed consumer, whose checkpoints are rows of
-- engine_checkpoints ("<commit>/<prepare>"). Their positions move there, so that a rules process
-- started after this migration resumes where the previous one stopped instead of reading the log
-- from its start. A row already in engine_checkpoints is only ever moved forward.
INSERT INTO engine_checkpoints AS e (name, position, updated_at)
SELECT name, commit_position::text || '/' || prepare_position::text, updated_at
  FROM rules_checkpoints
ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at
 WHERE (split_part(e.position, '/', 1)::numeric, split_part(e.position, '/', 2)::numeric)
     < (split_part(EXCLUDED.position, '/', 1)::numeric, split_part(EXCLUDED.position, '/', 2)::numeric);

-- Nothing reads or writes rules_checkpoints any more; it stays, as the previous version left it, for
-- a process of that version still running while this one is deployed.
COMMENT ON TABLE rules_checkpoints IS 'Unused since migration 0071: the rules subscriptions keep their checkpoints in engine_checkpoints.';
