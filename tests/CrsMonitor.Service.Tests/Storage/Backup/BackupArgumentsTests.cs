using CrsMonitor.Service.Storage.Backup;

namespace CrsMonitor.Service.Tests.Storage.Backup;

/// <summary>The verbs' own options are read, and kept from the configuration (where <c>--force</c> would swallow the next setting).</summary>
public sealed class BackupArgumentsTests
{
    [Test]
    public void Options_AreRead_AndOnlySettingsReachTheConfiguration()
    {
        string[] args = ["restore", "--from", "/b/x.db", "--force", "--Storage:Provider=postgres", "--to=/t", "--Storage:ConnectionString", "Host=db"];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(BackupArguments.Parse(args), Is.EqualTo(new BackupArguments("/t", "/b/x.db", true)));
            Assert.That(BackupArguments.ConfigurationArguments(args), Is.EqualTo(new[] { "--Storage:Provider=postgres", "--Storage:ConnectionString", "Host=db" }));
            Assert.That(BackupArguments.IsVerb(["backup"]) && BackupArguments.IsVerb(["restore", "--from", "x"]) && !BackupArguments.IsVerb(["migrate"]), Is.True);
        }
    }
}
