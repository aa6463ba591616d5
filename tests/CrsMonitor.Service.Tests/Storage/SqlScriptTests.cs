using System.Text.RegularExpressions;
using CrsMonitor.Service.Storage;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace CrsMonitor.Service.Tests.Storage;

/// <summary>
/// Without a SQL Server: every T-SQL script and every SQL Server statement constant parses (ScriptDom, SQL Server 2022
/// grammar), and the three providers' scripts stay in step (same numbered scripts, same tables, all embedded).
/// </summary>
public sealed partial class SqlScriptTests
{
    private static readonly string SchemasSql = Path.Combine(RepositoryRoot(), "schemas", "sql");

    public static IEnumerable<string> SqlServerScripts() =>
        Directory.GetFiles(Path.Combine(SchemasSql, "sqlserver"), "*.sql").Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    public static IEnumerable<TestCaseData> SqlServerStatements() =>
        SqlCatalog.For(StorageProvider.SqlServer).Select(s => new TestCaseData(s.Text).SetArgDisplayNames(s.Name));

    [TestCaseSource(nameof(SqlServerScripts))]
    public void SqlServerScript_ParsesWithoutErrors(string fileName) =>
        AssertParses(File.ReadAllText(Path.Combine(SchemasSql, "sqlserver", fileName)));

    [TestCaseSource(nameof(SqlServerStatements))]
    public void SqlServerStatement_ParsesWithoutErrors(string sql) => AssertParses(sql);

    [Test]
    public void Catalog_HasStatementsForEveryProvider_AndOnlyConstants()
    {
        using (Assert.EnterMultipleScope())
        {
            foreach (var provider in Enum.GetValues<StorageProvider>())
            {
                Assert.That(SqlCatalog.For(provider), Has.Count.GreaterThan(20), $"{provider}");
            }

            Assert.That(SqlCatalog.For(StorageProvider.SqlServer).Select(s => s.Name), Does.Contain("FhirResourceStore.ReadForUpdateSqlServer"));
            Assert.That(SqlCatalog.For(StorageProvider.SqlServer).Select(s => s.Name), Does.Not.Contain("FhirResourceStore.InsertIdentifierIfAbsent"));
        }
    }

    /// <summary>
    /// A batch of statements (<see cref="Service.Assessment.PatientSnapshot"/>) joins constants with <c>;</c>, and the writer counts a
    /// command's statements by them (<see cref="StatementCount"/>): a <c>;</c> in a literal or a comment would be miscounted.
    /// </summary>
    [Test]
    public void EverySemicolonOfAStatementConstant_EndsAStatement()
    {
        var quoted = SqlCatalog.All.Where(s => LiteralOrComment().Matches(s.Text).Any(m => m.Value.Contains(';', StringComparison.Ordinal))).Select(s => s.Name);
        Assert.That(quoted, Is.Empty);
        Assert.That(SqlCatalog.All.Count(s => s.Text.Contains(';', StringComparison.Ordinal)), Is.GreaterThan(0), "the check met statements holding several");
    }

    [Test]
    public void EveryProvider_HasTheSameNumberedScripts_AllEmbedded()
    {
        var names = Enum.GetValues<StorageProvider>().ToDictionary(p => p, p => Directory.GetFiles(Path.Combine(SchemasSql, Migrations.FolderOf(p)), "*.sql")
            .Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList());
        using (Assert.EnterMultipleScope())
        {
            foreach (var (provider, files) in names)
            {
                Assert.That(files, Is.EqualTo(names[StorageProvider.Sqlite]), $"{provider} has the same scripts as sqlite");
                Assert.That(files, Has.All.Match(@"^\d{4}_[a-z0-9_]+\.sql$"), $"{provider}: NNNN_name.sql");
                Assert.That(Migrations.Scripts(provider).Select(s => s.Name), Is.EqualTo(files), $"{provider}: every script is embedded");
            }
        }
    }

    [Test]
    public void EveryProvider_CreatesTheSameTables()
    {
        var tables = Enum.GetValues<StorageProvider>().ToDictionary(p => p, p => Migrations.Scripts(p)
            .SelectMany(s => CreateTable().Matches(s.Contents).Select(m => m.Groups[1].Value))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList()); // a SQLite rebuild (0006) creates a table again
        using (Assert.EnterMultipleScope())
        {
            Assert.That(tables[StorageProvider.Sqlite], Is.EquivalentTo(new[]
            {
                "audit_log", "episode", "fhir_content", "fhir_identifier", "fhir_resource", "fhir_resource_version", "grade_point",
                "patient", "patient_encounter", "reading", "rejected_payload",
                "monitoring_dose", "monitoring_window", "window_decision", "check_slot", "monitoring_event",
                "alert", "alert_action", "unit_alert_seq", "alert_change", "audit_seal", "alert_round_settle", "grade_checkpoint",
                "hl7v2_message", "research_export", "research_export_file", "device_enrolment", "device_stream", "device_wear", "window_attestation", "pre_fever_watch", "checkin_code",
            }));
            Assert.That(tables[StorageProvider.Postgres], Is.EqualTo(tables[StorageProvider.Sqlite]));
            Assert.That(tables[StorageProvider.SqlServer], Is.EqualTo(tables[StorageProvider.Sqlite]));
        }
    }

    [Test]
    public void SqlServerMigrationEngine_LoadsWithThisSqlClient_AndNamesAnUnreachableServer()
    {
        // dbup-sqlserver is built against an older Microsoft.Data.SqlClient; this shows it loads and fails cleanly here.
        const string Unreachable = "Server=tcp:127.0.0.1,1;Database=crsmonitor;User ID=sa;Password=x;Connect Timeout=2;ConnectRetryCount=0;Encrypt=false";
        Assert.That(
            () => Migrations.Pending(StorageProvider.SqlServer, Unreachable, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance),
            Throws.InstanceOf<MigrationException>());
    }

    private static void AssertParses(string sql)
    {
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(sql);
        parser.Parse(reader, out var errors);
        Assert.That(errors.Select(e => $"line {e.Line}, column {e.Column}: {e.Message}"), Is.Empty);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CrsMonitor.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CrsMonitor.sln not found above the test folder");
    }

    [GeneratedRegex(@"CREATE TABLE (\w+)", RegexOptions.IgnoreCase)]
    private static partial Regex CreateTable();

    /// <summary>A quoted literal or identifier (<c>'...'</c>, <c>"..."</c>), a line comment or a block comment.</summary>
    [GeneratedRegex(@"'(?:[^']|'')*'|""(?:[^""]|"""")*""|--[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex LiteralOrComment();
}
