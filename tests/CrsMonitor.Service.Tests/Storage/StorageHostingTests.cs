using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CrsMonitor.Service.Tests.Storage;

/// <summary>Storage in the running service: start-up migration, the migrate verb, readiness, the retention purge.</summary>
public sealed class StorageHostingTests
{
    [Test]
    public async Task DefaultService_MigratesSqliteInTheDataFolder_AndIsReady()
    {
        using var host = new ServiceHost();
        using var client = host.ClientWith(null);
        using var response = await client.GetAsync("/health/ready");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(body["checks"]!["database"]!["status"]!.GetValue<string>(), Is.EqualTo("healthy"));
            Assert.That(File.Exists(Path.Combine(host.Data.Path, StorageSettings.SqliteFileName)), Is.True);
            Assert.That(host.Services.GetRequiredService<Database>().Provider, Is.EqualTo(StorageProvider.Sqlite));
            Assert.That(Migrations.Pending(StorageProvider.Sqlite, host.Services.GetRequiredService<Database>().ConnectionString, NullLogger.Instance), Is.Empty);
        }
    }

    [Test]
    public async Task Postgres_NotMigrated_ServiceRefusesToStart_NamingTheMigrateVerb()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Postgres, migrate: false);
        using var host = new ServiceHost(db.HostSettings);
        var error = Assert.Catch(() => host.CreateClient().Dispose());
        Assert.That(error, Is.InstanceOf<StartupConfigurationException>());
        // Every script pending, named (0001_initial.sql, 0002_monitoring.sql, ...): the list grows with each migration.
        var pending = string.Join(", ", Migrations.Scripts(StorageProvider.Postgres).Select(s => s.Name)) + " pending";
        Assert.That(pending, Is.EqualTo("0001_initial.sql, 0002_monitoring.sql, 0003_alerts.sql, 0004_audit_tamper_evidence.sql, 0005_alert_round_settle.sql, 0006_alerts_follow_patient.sql, 0007_bounded_grading.sql, 0008_room_air_spo2.sql, 0009_alert_change_notify.sql, 0010_hl7v2_message.sql, 0011_research_export.sql, 0012_home_check_in.sql, 0013_device_streams.sql, 0014_outpatient_and_pre_fever_watch.sql, 0015_partial_end_index.sql pending"));
        Assert.That(error!.Message, Does.Contain(pending).And.Contain("migrate"));
    }

    [Test]
    public async Task Postgres_MigrateOnStartup_MigratesAndIsReady()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Postgres, migrate: false);
        var settings = db.HostSettings;
        settings["Storage:MigrateOnStartup"] = "true";
        using var host = new ServiceHost(settings);
        using var client = host.ClientWith(null);
        using var response = await client.GetAsync("/health/ready");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(Migrations.Pending(StorageProvider.Postgres, db.ConnectionString, NullLogger.Instance), Is.Empty);
        }
    }

    [Test]
    public async Task Ready_DatabaseUnreachable_Is503WithTheDatabaseCheckUnhealthy()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Postgres);
        using var host = new ServiceHost(db.HostSettings);
        using var client = host.ClientWith(null);
        await db.DisposeAsync(); // the database is dropped while the service runs

        using var response = await client.GetAsync("/health/ready");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(body["checks"]!["database"]!["status"]!.GetValue<string>(), Is.EqualTo("unhealthy"));
        }
    }

    [Test]
    public void MigrateVerb_MigratesTheConfiguredDatabase_ThenSaysUpToDate()
    {
        using var data = new TempDirectory();
        var configuration = Configuration(new() { [DataDirectory.ConfigurationKey] = data.Path });
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var first = MigrateCommand.Run(configuration, stdout, stderr);
        var second = MigrateCommand.Run(configuration, stdout, stderr);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        using (Assert.EnterMultipleScope())
        {
            Assert.That((first, second), Is.EqualTo((MigrateCommand.Migrated, MigrateCommand.Migrated)), stderr.ToString());
            Assert.That(stdout.ToString(), Does.Contain("applied 0001_initial.sql").And.Contain("up to date (nothing to apply)"));
            Assert.That(File.Exists(Path.Combine(data.Path, StorageSettings.SqliteFileName)), Is.True);
        }
    }

    [TestCase("postgres", null, "Storage:ConnectionString must be set")]
    [TestCase("postgres", "Host=127.0.0.1;Port=1;Username=x;Timeout=2", "Failed to connect")]
    [TestCase("oracle", null, "Storage:Provider")]
    public void MigrateVerb_Failure_IsOneMessageAndExit1(string provider, string? connectionString, string expected)
    {
        using var data = new TempDirectory();
        var configuration = Configuration(new()
        {
            [DataDirectory.ConfigurationKey] = data.Path,
            ["Storage:Provider"] = provider,
            ["Storage:ConnectionString"] = connectionString,
        });
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = MigrateCommand.Run(configuration, stdout, stderr);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(MigrateCommand.Failed));
            Assert.That(stderr.ToString(), Does.StartWith("migrate: ").And.Contain(expected));
            Assert.That(stderr.ToString().TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        }
    }

    [Test]
    public async Task Purge_DeletesPayloadsPastTheRetentionOfTheClock()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var now = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
        await using (var c = await db.Database.OpenAsync(default))
        {
            foreach (var days in new[] { 11, 10, 9 })
            {
                await RejectedPayloadStore.AppendAsync(c, null, new RejectedPayload(now.AddDays(-days), null, "POST", "/fhir/Observation", null, 400, "x", "{}"), default);
            }
        }

        var time = new FakeTimeProvider(now);
        using var purge = new RejectedPayloadPurge(
            db.Database, Options.Create(new StorageSettings { RejectedPayloadRetentionDays = 10 }), time, NullLogger<RejectedPayloadPurge>.Instance);
        var first = await purge.PurgeOnceAsync(default);
        time.Advance(TimeSpan.FromDays(1));
        var second = await purge.PurgeOnceAsync(default);

        Assert.That((first, second), Is.EqualTo((1, 1)));
    }

    [TestCase("Storage:Provider", "sqlserver", "Storage:ConnectionString must be set")]
    [TestCase("Storage:RejectedPayloadRetentionDays", "0", "RejectedPayloadRetentionDays must be from 1 to 3650")]
    [TestCase("Storage:ServiceRole", "crsmonitor_service", "Storage:ServiceRole applies to postgres and sqlserver only")]
    [TestCase("Storage:AuditSealIntervalSeconds", "0", "Storage:AuditSealIntervalSeconds must be from 1 to 3600")]
    [TestCase("Storage:AuditSealSettleSeconds", "-1", "Storage:AuditSealSettleSeconds must be from 0 to 3600")]
    [TestCase("Storage:AuditSealBatchRows", "9", "Storage:AuditSealBatchRows must be from 10 to 100000")]
    public void Settings_Problems_NameTheSetting(string key, string value, string expected) =>
        Assert.That(StorageSettings.FromConfiguration(Configuration(new() { [key] = value })).Problems(), Has.One.Contains(expected));

    [Test]
    public void Settings_ServiceRoleWithMigrateOnStartup_IsAProblem() =>
        Assert.That(
            StorageSettings.FromConfiguration(Configuration(new()
            {
                ["Storage:Provider"] = "postgres", ["Storage:ConnectionString"] = "Host=db", ["Storage:ServiceRole"] = "crsmonitor_service",
                ["Storage:MigrateOnStartup"] = "true",
            })).Problems(),
            Has.One.Contains("Storage:ServiceRole and Storage:MigrateOnStartup cannot both be set"));

    [Test]
    public async Task Sealer_InTheService_SealsCommittedAuditRowsOnTheServiceClock()
    {
        using var host = new ServiceHost();
        var sealer = host.Services.GetRequiredService<AuditSealer>();
        using (var client = host.ClientFor("nurse", "7W"))
        {
            using var me = await client.GetAsync("/fhir/Observation/none"); // audited (a read), answered 404
        }

        // Interval 30 s, settle 60 s (the defaults): rows seen at one pass are sealed by a pass at least 60 s later.
        for (var tick = 0; tick < 4; tick++)
        {
            var before = sealer.Passes;
            host.Time.Advance(TimeSpan.FromSeconds(30));
            await Alerts.AlertKit.WaitUntilAsync(() => Task.FromResult(sealer.Passes > before), () => $"sealer pass {tick + 1}");
        }

        var result = await AuditVerifier.VerifyAsync(host.Services.GetRequiredService<Database>(), CancellationToken.None);
        Assert.That((result.Verified, result.Seals, result.SealedRows), Is.EqualTo((true, 1L, 1L)), result.Message);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
