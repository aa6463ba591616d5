using System.Net;
using CrsMonitor.Service.Storage;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Storage;

/// <summary>
/// Two roles on PostgreSQL: the migration role owns the tables and runs <c>migrate</c> with <c>Storage:ServiceRole</c>;
/// the service connects as the service role, which can do all the service does (here: the whole service, started as that
/// role) and cannot rewrite the audit: no UPDATE, DELETE, TRUNCATE, ALTER TABLE ... DISABLE TRIGGER, DROP, nor the
/// other routes an owner has. Before this, the service's role owned the tables and could do all of them.
/// </summary>
public sealed class ServiceRoleTests
{
    private static readonly AuditEntry Row = new(
        new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero), "nurse-1", "nurse", "fhir.read", "Observation", "o1", "p1", "success", null, "corr-1", null);

    private TestDatabase db = null!;
    private string role = null!;
    private string serviceConnection = null!;

    public static IEnumerable<TestCaseData> Rewrites() =>
    [
        Case("UPDATE", "UPDATE audit_log SET action = 'forged'"),
        Case("DELETE", "DELETE FROM audit_log"),
        Case("TRUNCATE", "TRUNCATE audit_log"),
        Case("DISABLE TRIGGER ALL", "ALTER TABLE audit_log DISABLE TRIGGER ALL"),
        Case("DISABLE TRIGGER", "ALTER TABLE audit_log DISABLE TRIGGER tr_audit_log_no_update_delete"),
        Case("DROP TRIGGER", "DROP TRIGGER tr_audit_log_no_update_delete ON audit_log"),
        Case("DROP TABLE", "DROP TABLE audit_log"),
        Case("RENAME", "ALTER TABLE audit_log RENAME TO audit_log_old"),
        Case("ON CONFLICT DO UPDATE", "INSERT INTO audit_log (id, at, action, outcome) OVERRIDING SYSTEM VALUE VALUES (1, now(), 'forged', 'success') ON CONFLICT (id) DO UPDATE SET action = excluded.action"),
        Case("replica mode skips triggers", "SET session_replication_role = replica"),
        Case("UPDATE of a seal", "UPDATE audit_seal SET hash = 'x'"),
        Case("DELETE of a seal", "DELETE FROM audit_seal"),
        Case("TRUNCATE of the seals", "TRUNCATE audit_seal"),
        Case("DISABLE TRIGGER of the seals", "ALTER TABLE audit_seal DISABLE TRIGGER ALL"),
        Case("journal rewrite", "DELETE FROM schema_versions"),
        Case("grant itself more", "SELECT crsmonitor_grant_service_role(current_user)"),
    ];

    [SetUp]
    public async Task MigrateAsOwnerGrantingAServiceRole()
    {
        db = await TestDatabase.CreateAsync(StorageProvider.Postgres, migrate: false);
        role = $"crsmonitor_svc_{Guid.NewGuid():N}";
        await AdminAsync($"CREATE ROLE {role} LOGIN");
        var (code, stdout, stderr) = Migrate(role);
        Assert.That(code, Is.EqualTo(MigrateCommand.Migrated), stderr);
        Assert.That(stdout, Does.Contain($"service role '{role}'"));
        serviceConnection = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = role }.ConnectionString;
    }

    [TearDown]
    public async Task DropDatabaseAndRole()
    {
        NpgsqlConnection.ClearAllPools();
        await db.DisposeAsync();
        await AdminAsync($"DROP ROLE IF EXISTS {role}");
    }

    [TestCaseSource(nameof(Rewrites))]
    public async Task ServiceRole_CannotRewriteTheAudit(string statement)
    {
        await using var service = new Database(StorageProvider.Postgres, serviceConnection);
        await using (var c = await service.OpenAsync(default))
        {
            await AuditStore.AppendAsync(c, null, Row, default);
        }

        var refused = await Assert.CatchAsync<PostgresException>(async () =>
        {
            await using var c = await service.OpenAsync(default);
            await c.ExecuteAsync(statement);
        });
        Assert.That(refused!.SqlState, Is.EqualTo(PostgresErrorCodes.InsufficientPrivilege), refused.Message);

        await using var owner = await db.Database.OpenAsync(default);
        Assert.That(await AuditStore.RecentAsync(owner, 10, default), Is.EqualTo(new[] { Row }));
    }

    [Test]
    public async Task ServiceRole_RunsTheService_WritesAreAuditedSealedAndVerified()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "postgres",
            ["Storage:ConnectionString"] = serviceConnection,
            ["Storage:AuditSealSettleSeconds"] = "0",
        };
        using (var host = new ServiceHost(settings))
        {
            using var anonymous = host.ClientWith(null);
            using var ready = await anonymous.GetAsync("/health/ready");
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK), await ready.Content.ReadAsStringAsync());

            using var feed = host.ClientWith(host.Token("--role", "integration", "--sub", "feed-1"));
            await AdmitAsync(feed, "p-role", "7W");
            await Ok(await feed.PostAsync("/fhir/Observation", Body(Temperature("p-role", 38.4m, "Cel", ServiceHost.Start.AddMinutes(-5)))));
            using var rejected = await feed.PostAsync("/fhir/Observation", Body("""{"resourceType":"Observation"}"""));
            Assert.That((int)rejected.StatusCode, Is.InRange(400, 499));

            await host.Services.GetRequiredService<AuditSealer>().SealOnceAsync(default);
        }

        var (code, stdout, stderr) = Verify(serviceConnection);
        await using var c = await db.Database.OpenAsync(default);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(AuditVerifyCommand.Verified), stdout + stderr);
            Assert.That(await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE actor = 'feed-1'"), Is.GreaterThanOrEqualTo(5));
            Assert.That(await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_seal"), Is.GreaterThanOrEqualTo(1));
            Assert.That(await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM rejected_payload"), Is.EqualTo(1));
            Assert.That(stdout, Does.StartWith("audit verified: "));
        }
    }

    [Test]
    public void Migrate_ServiceRoleIsTheMigrationRole_IsRefusedNamingTheSetting()
    {
        var (code, _, stderr) = Migrate("postgres");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(MigrateCommand.Failed));
            Assert.That(stderr, Does.Contain("Storage:ServiceRole \"postgres\" is the migration role"));
        }
    }

    [Test]
    public void Migrate_ServiceRoleMissing_IsRefusedNamingTheSetting()
    {
        var (code, _, stderr) = Migrate("no_such_role_here");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(MigrateCommand.Failed));
            Assert.That(stderr, Does.Contain("Storage:ServiceRole names role \"no_such_role_here\", which does not exist"));
        }
    }

    [Test]
    public async Task Migrate_ServiceRoleOwningATable_IsRefused()
    {
        await AdminAsync($"GRANT CREATE ON SCHEMA public TO {role}", db.ConnectionString);
        await using (var c = new NpgsqlConnection(serviceConnection))
        {
            await c.OpenAsync();
            await c.ExecuteAsync("CREATE TABLE mine (x int)");
        }

        var (code, _, stderr) = Migrate(role);
        Assert.That((code, stderr.Contains("owns mine", StringComparison.Ordinal)), Is.EqualTo((MigrateCommand.Failed, true)), stderr);
        await AdminAsync($"DROP TABLE mine; REVOKE CREATE ON SCHEMA public FROM {role}", db.ConnectionString);
    }

    private static TestCaseData Case(string name, string statement) => new TestCaseData(statement).SetArgDisplayNames(name);

    private (int Code, string Stdout, string Stderr) Migrate(string serviceRole) => RunVerb(MigrateCommand.Run, db.ConnectionString, serviceRole);

    private static (int Code, string Stdout, string Stderr) Verify(string connectionString) => RunVerb(AuditVerifyCommand.Run, connectionString, null);

    private static (int Code, string Stdout, string Stderr) RunVerb(Func<IConfiguration, TextWriter, TextWriter, int> verb, string connectionString, string? serviceRole)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "postgres",
            ["Storage:ConnectionString"] = connectionString,
            ["Storage:ServiceRole"] = serviceRole,
        }).Build();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = verb(configuration, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static async Task AdminAsync(string sql, string? connectionString = null)
    {
        var server = await PostgresServer.StartedAsync();
        await using var c = new NpgsqlConnection(connectionString ?? server.AdminConnectionString);
        await c.OpenAsync();
        await c.ExecuteAsync(sql);
    }
}
