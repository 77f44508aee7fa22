"""A trigger that makes a table append-only: UPDATE and DELETE are refused, whoever asks."""

from alembic import op


def make_append_only(table: str) -> None:
    # asyncpg runs one statement per call: function and trigger separately.
    op.execute(
        f"""
        CREATE FUNCTION {table}_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{table} is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$
        """
    )
    op.execute(
        f"""
        CREATE TRIGGER {table}_append_only
            BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_is_append_only()
        """
    )


def drop_append_only(table: str) -> None:
    op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
    op.execute(f"DROP FUNCTION {table}_is_append_only()")
