using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Research.Export;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Tests.Research.Export;

/// <summary>Section <c>ResearchExport</c>: its defaults (stated in the shipped appsettings.json), each refusal naming its key, unknown keys.</summary>
public sealed class ResearchExportSettingsTests
{
    [Test]
    public void Defaults_AreTwoInProgress_TenMinuteClaims_AndADaysRetention()
    {
        var defaults = ResearchExportSettings.FromConfiguration(new ConfigurationBuilder().Build());
        using (Assert.EnterMultipleScope())
        {
            Assert.That((defaults.MaxConcurrentPerRequester, defaults.ClaimTimeoutMinutes, defaults.RetentionHours), Is.EqualTo((2, 10, 24)));
            Assert.That((defaults.ClaimTimeout, defaults.Retention), Is.EqualTo((TimeSpan.FromMinutes(10), TimeSpan.FromHours(24))));
            Assert.That(defaults.Problems(), Is.Empty);
        }
    }

    [Test]
    public void TheShippedAppSettings_StateTheBuiltInDefaults()
    {
        var shipped = ResearchExportSettings.FromConfiguration(new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build());
        Assert.That(shipped, Is.EqualTo(new ResearchExportSettings()));
    }

    [TestCase("ResearchExport:MaxConcurrentPerRequester", "0")]
    [TestCase("ResearchExport:MaxConcurrentPerRequester", "101")]
    [TestCase("ResearchExport:ClaimTimeoutMinutes", "0")]
    [TestCase("ResearchExport:ClaimTimeoutMinutes", "1441")]
    [TestCase("ResearchExport:RetentionHours", "0")]
    [TestCase("ResearchExport:RetentionHours", "8761")]
    public void AnInvalidSetting_StopsStartUp_NamingIt(string key, string value)
    {
        using var host = new ServiceHost(new Dictionary<string, string?> { [key] = value });
        var error = Assert.Catch(() => host.CreateClient().Dispose());
        Assert.That(error, Is.InstanceOf<OptionsValidationException>(), error?.ToString());
        Assert.That(error!.Message, Does.Contain(key));
    }

    [TestCase("ResearchExport:MaxConcurrent", "3")]
    [TestCase("ResearchExport:RetentionHours", "a day")]
    public void AnUnknownKeyOrAValueOfTheWrongType_StopsStartUp_NamingTheSection(string key, string value)
    {
        using var host = new ServiceHost(new Dictionary<string, string?> { [key] = value });
        var error = Assert.Catch(() => host.CreateClient().Dispose());
        Assert.That(error, Is.InstanceOf<StartupConfigurationException>(), error?.ToString());
        Assert.That(error!.Message, Does.Contain("ResearchExport"));
    }

    [Test]
    public void APseudonymKeyFile_MustBeAnAbsolutePath_AndIsRequiredOnAClusteredNode()
    {
        IReadOnlyList<string> Problems(params (string Key, string Value)[] pairs) => ConfigurationCheck.Problems(
            new ConfigurationBuilder().AddInMemoryCollection(pairs.ToDictionary(p => p.Key, p => (string?)p.Value)).Build());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Problems(("ResearchExport:PseudonymKeyFile", "keys/research.key")), Has.One.Contains("ResearchExport:PseudonymKeyFile").And.Contains("absolute"));
            Assert.That(Problems(("Monitoring:Clustered", "true")), Has.One.Contains("ResearchExport:PseudonymKeyFile").And.Contains("Monitoring:Clustered"));
            Assert.That(Problems(("Monitoring:Clustered", "true"), ("ResearchExport:PseudonymKeyFile", "/etc/crsmonitor/research.key"))
                .Where(p => p.Contains("PseudonymKeyFile", StringComparison.Ordinal)), Is.Empty);
        }
    }

    [Test]
    public async Task TheConfiguredKeyFile_IsTheOneTheExportsAreKeyedWith()
    {
        using var keys = new TempDirectory();
        var file = Path.Combine(keys.Path, "shared", "research.key");
        await using var host = new ServiceHost(new Dictionary<string, string?> { ["ResearchExport:PseudonymKeyFile"] = file });
        var deid = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Service.Research.Deidentification.Deidentifier>(host.Services);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(File.Exists(file), Is.True, "created at first use where the setting says");
            Assert.That(File.Exists(Path.Combine(host.Data.Path, Service.Research.Deidentification.PseudonymKey.DefaultFileName)), Is.False, "not in the data folder");
            Assert.That(deid.Pseudonym("p-1"), Is.EqualTo(new Service.Research.Deidentification.Deidentifier(
                Service.Research.Deidentification.PseudonymKey.LoadOrCreate(file)).Pseudonym("p-1")));
        }
    }

    [TestCase(1, 1, 1)]
    [TestCase(100, 1440, 8760)]
    public void TheBounds_AreAccepted(int max, int claim, int retention) =>
        Assert.That(new ResearchExportSettings { MaxConcurrentPerRequester = max, ClaimTimeoutMinutes = claim, RetentionHours = retention }.Problems(), Is.Empty);
}
