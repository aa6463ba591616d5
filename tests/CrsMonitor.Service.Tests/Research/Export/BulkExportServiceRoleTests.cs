using System.Net;
using CrsMonitor.Service.Research.Export;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static CrsMonitor.Service.Tests.Research.Export.ExportKit;

namespace CrsMonitor.Service.Tests.Research.Export;

/// <summary>
/// On PostgreSQL with two roles (README "Security"): the service role that <c>migrate</c> grants (migration 0004's
/// routine, on every table of the schema) kicks off, claims, builds, serves, deletes and purges exports; it owns neither
/// export table, so it cannot alter or drop them.
/// </summary>
public sealed class BulkExportServiceRoleTests
{
    private TestDatabase db = null!;
    private string role = null!;

    [SetUp]
    public async Task MigrateAsOwnerGrantingAServiceRole()
    {
        db = await TestDatabase.CreateAsync(StorageProvider.Postgres, migrate: false);
        role = $"crsmonitor_svc_{Guid.NewGuid():N}";
        await AdminAsync($"CREATE ROLE {role} LOGIN");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "postgres",
            ["Storage:ConnectionString"] = db.ConnectionString,
            ["Storage:ServiceRole"] = role,
        }).Build();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Assert.That(MigrateCommand.Run(configuration, stdout, stderr), Is.EqualTo(MigrateCommand.Migrated), stderr.ToString());
    }

    [TearDown]
    public async Task DropDatabaseAndRole()
    {
        NpgsqlConnection.ClearAllPools();
        await db.DisposeAsync();
        await AdminAsync($"DROP ROLE IF EXISTS {role}");
    }

    [Test]
    public async Task TheServiceRole_RunsTheWholeExport_AndCannotAlterTheExportTables()
    {
        var serviceConnection = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = role }.ConnectionString;
        var settings = new Dictionary<string, string?> { ["Storage:Provider"] = "postgres", ["Storage:ConnectionString"] = serviceConnection };
        using (var host = new ServiceHost(settings, services => services.AddSingleton<IResearchExportContent>(new TestExportContent())))
        {
            using var researcher = Researcher(host, "r-role");
            var (_, id) = await KickedOffAsync(researcher, "?_type=AdverseEvent");
            await WaitForAsync(host, id, ExportStatus.Completed);
            using var file = await FileAsync(researcher, $"/fhir/$export-file/{id}/AdverseEvent-1.ndjson");
            Assert.That(await file.Content.ReadAsByteArrayAsync(), Is.EqualTo(TestExportContent.FileBytes(TestExportContent.AdverseEvents)));
            Assert.That((await DeleteAsync(researcher, id)).StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(await host.Services.GetRequiredService<ExportPurge>().PurgeOnceAsync(CancellationToken.None), Is.EqualTo(1));
        }

        foreach (var statement in new[] { "ALTER TABLE research_export DROP COLUMN error", "DROP TABLE research_export_file", "TRUNCATE research_export" })
        {
            var refused = await Assert.CatchAsync<PostgresException>(async () =>
            {
                await using var c = new NpgsqlConnection(serviceConnection);
                await c.OpenAsync();
                await c.ExecuteAsync(statement);
            });
            Assert.That(refused!.SqlState, Is.EqualTo(PostgresErrorCodes.InsufficientPrivilege), statement);
        }
    }

    private static async Task AdminAsync(string sql)
    {
        var server = await PostgresServer.StartedAsync();
        await using var c = new NpgsqlConnection(server.AdminConnectionString);
        await c.OpenAsync();
        await c.ExecuteAsync(sql);
    }
}
