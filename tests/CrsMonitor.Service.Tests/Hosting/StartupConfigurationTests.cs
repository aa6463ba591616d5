using CrsMonitor.Service.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Tests.Hosting;

/// <summary>A configuration mistake stops start-up with a message naming the setting, instead of running half-configured.</summary>
public sealed class StartupConfigurationTests
{
    [TestCase("Identity:Authority", "https://idp.hospital.example/realms/main", "Identity:Audience")]
    [TestCase("Identity:Audience", "crsmonitor", "Identity:Authority")]
    [TestCase("Grading:IceMinimumAgeYears", "40", "Grading:IceMinimumAgeYears")]
    [TestCase("Grading:HypotensionSystolicBelowMmHg", "9000", "Grading:HypotensionSystolicBelowMmHg")]
    [TestCase("Alerts:RoundSettleMinutes", "61", "Alerts:RoundSettleMinutes")]
    [TestCase("Alerts:RoundSettleMinutes", "-1", "Alerts:RoundSettleMinutes")]
    [TestCase("Telemetry:MetricsAllowedNetworks:0", "10.0.0.0/33", "Telemetry:MetricsAllowedNetworks")]
    [TestCase("Telemetry:MetricsAllowedNetworks:0", "the ward", "Telemetry:MetricsAllowedNetworks")]
    public void Startup_InvalidSetting_IsRefusedNamingIt(string key, string value, string named)
    {
        using var host = new ServiceHost(new Dictionary<string, string?> { [key] = value });
        var error = Assert.Catch(() => host.CreateClient().Dispose());
        Assert.That(error, Is.InstanceOf<OptionsValidationException>());
        Assert.That(error!.Message, Does.Contain(named));
    }

    [TestCase("Grading:IceMinimumAge", "12", "IceMinimumAge")]
    [TestCase("Grading:IceMinimumAgeYears", "twelve", "Grading:IceMinimumAgeYears")]
    [TestCase("Identity:Authorty", "https://idp.example", "Authorty")]
    [TestCase("Alerts:RoundSettleMinute", "15", "RoundSettleMinute")]
    [TestCase("Telemetry:Metric", "true", "Metric")]
    [TestCase("Telemetry:Metrics", "sometimes", "Telemetry:Metrics")]
    public void Startup_UnknownOrMistypedSetting_IsRefusedNamingIt(string key, string value, string named)
    {
        using var host = new ServiceHost(new Dictionary<string, string?> { [key] = value });
        var error = Assert.Catch(() => host.CreateClient().Dispose());
        Assert.That(error!.ToString(), Does.Contain(named));
    }

    [Test]
    public void ConfigurationCheck_ListsEveryProblemBeforeTheHostIsBuilt()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Identity:Authority"] = "http://idp.hospital.example",
            ["Grading:ComfortOxygenMinimumSpo2Percent"] = "50",
            ["Telemetry:MetricsAllowedNetworks:0"] = "the ward",
        }).Build();
        Assert.That(ConfigurationCheck.Problems(configuration), Has.Some.Contain("Identity:Audience")
            .And.Some.Contain("must use https")
            .And.Some.Contain("Grading:ComfortOxygenMinimumSpo2Percent")
            .And.Some.Contain("Telemetry:MetricsAllowedNetworks"));
    }

    [Test]
    public void ConfigurationCheck_DefaultsHaveNoProblems() =>
        Assert.That(ConfigurationCheck.Problems(new ConfigurationBuilder().Build()), Is.Empty);
}
