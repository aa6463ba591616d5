using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace CrsMonitor.Service.Tests.Storage;

[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
[TestFixture(StorageProvider.SqlServer)]
public sealed class MigrationTests(StorageProvider provider)
{
    private const string CountJournal = "SELECT COUNT(*) FROM schema_versions";

    [Test]
    public async Task Migrate_FromEmpty_AppliesEveryScript_AndASecondRunAppliesNothing()
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: false);
        var scripts = Migrations.Scripts(provider).Select(s => s.Name).ToList();

        var pendingBefore = Migrations.Pending(provider, db.ConnectionString, NullLogger.Instance);
        var first = Migrations.Run(provider, db.ConnectionString, NullLogger.Instance);
        var second = Migrations.Run(provider, db.ConnectionString, NullLogger.Instance);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(scripts, Does.Contain("0001_initial.sql"));
            Assert.That(pendingBefore, Is.EqualTo(scripts));
            Assert.That(first.Applied, Is.EqualTo(scripts));
            Assert.That(second.Applied, Is.Empty);
            Assert.That(Migrations.Pending(provider, db.ConnectionString, NullLogger.Instance), Is.Empty);
            await using var connection = await db.Database.OpenAsync(default);
            Assert.That(await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, CountJournal), Is.EqualTo(scripts.Count));
        }
    }
}
