using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Research.SiteView;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Tests.Research.SiteView;

/// <summary>Section <c>SiteView</c>: its default, the shipped appsettings.json, and every refusal naming its key.</summary>
public sealed class SiteViewSettingsTests
{
    private static IConfiguration Configuration(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    [Test]
    public void Default_Is360Hours_FifteenDays_WithoutProblems()
    {
        var defaults = SiteViewSettings.FromConfiguration(Configuration([]));
        Assert.That(defaults.HorizonHours, Is.EqualTo(360));
        Assert.That(defaults.Problems(), Is.Empty);
    }

    [Test]
    public void TheShippedAppSettings_StateTheBuiltInDefault() =>
        Assert.That(SiteViewSettings.FromConfiguration(new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build()), Is.EqualTo(new SiteViewSettings()));

    [TestCase("0")]
    [TestCase("-24")]
    [TestCase("8761")]
    public void AHorizonOutOfRange_StopsStartUp_NamingIt(string hours)
    {
        using var host = new ServiceHost(new Dictionary<string, string?> { ["SiteView:HorizonHours"] = hours });
        var error = Assert.Catch(() => host.CreateClient().Dispose());
        Assert.That(error, Is.InstanceOf<OptionsValidationException>());
        Assert.That(error!.Message, Does.Contain("SiteView:HorizonHours"));
        Assert.That(ConfigurationCheck.Problems(Configuration(new() { ["SiteView:HorizonHours"] = hours })), Has.Some.StartWith("SiteView:HorizonHours: "));
    }

    [TestCase("SiteView:Horizon", "360", "Horizon")]
    [TestCase("SiteView:HorizonHours", "fifteen days", "SiteView:HorizonHours")]
    public void AnUnknownOrMistypedKey_StopsStartUp_NamingIt(string key, string value, string named)
    {
        using var host = new ServiceHost(new Dictionary<string, string?> { [key] = value });
        var error = Assert.Catch(() => host.CreateClient().Dispose());
        Assert.That(error!.ToString(), Does.Contain(named));
        Assert.That(ConfigurationCheck.Problems(Configuration(new() { [key] = value })), Has.Some.Contain(named));
    }

    [Test]
    public void AConfiguredHorizon_IsTheOneTheServiceUses()
    {
        using var host = new ServiceHost(new Dictionary<string, string?> { ["SiteView:HorizonHours"] = "48" });
        Assert.That(host.Services.GetRequiredService<IOptions<SiteViewSettings>>().Value.HorizonHours, Is.EqualTo(48));
    }
}
