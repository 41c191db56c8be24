"""SQL that makes the audit tables append-only, per database vendor.

Used by the migration that installs the guard, and by the test suite, which must lift it to
empty the tables between transactional tests (nothing else ever lifts it).
"""

TABLES = ("core_auditentry", "core_auditseal")

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION junjia_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '审计日志只能追加，不能修改或删除（%）', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def install_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        statements = [_PG_FUNCTION]
        for table in TABLES:
            statements += [
                f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION junjia_audit_append_only();",
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION junjia_audit_append_only();",
            ]
        return statements
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改或删除'); END;"
            for table in TABLES
            for op in ("UPDATE", "DELETE")
        ]
    return []


def remove_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        statements = []
        for table in TABLES:
            statements += [
                f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};",
                f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
            ]
        return [*statements, "DROP FUNCTION IF EXISTS junjia_audit_append_only();"]
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_{op}"
            for table in TABLES
            for op in ("update", "delete")
        ]
    return []


def set_enforced(connection, enforced: bool) -> None:
    """Test suites only: lift or restore the guard on an existing database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            state = "ENABLE" if enforced else "DISABLE"
            for table in TABLES:
                cursor.execute(f"ALTER TABLE {table} {state} TRIGGER USER")
        else:
            for sql in (
                install_statements(connection.vendor)
                if enforced
                else remove_statements(connection.vendor)
            ):
                cursor.execute(sql)
