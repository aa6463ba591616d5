using CrsMonitor.Service.CheckIn;
using CrsMonitor.Service.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Tests.CheckIn;

/// <summary>Section <c>CheckIn</c>: its defaults, the shipped appsettings.json, and every refusal naming its key.</summary>
public sealed class CheckInSettingsTests
{
    private static IConfiguration Configuration(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    [Test]
    public void Defaults_14DaysAtMost_And48HoursBack_WithoutProblems()
    {
        var defaults = CheckInSettings.FromConfiguration(Configuration([]));
        Assert.That((defaults.MaxCodeLifetimeHours, defaults.MedicineLookbackHours), Is.EqualTo((336, 48)));
        Assert.That(defaults.Problems(), Is.Empty);
    }

    [Test]
    public void TheShippedAppSettings_StateTheBuiltInDefaults() =>
        Assert.That(CheckInSettings.FromConfiguration(new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build()), Is.EqualTo(new CheckInSettings()));

    [TestCase("CheckIn:MaxCodeLifetimeHours", "0")]
    [TestCase("CheckIn:MaxCodeLifetimeHours", "2161")]
    [TestCase("CheckIn:MedicineLookbackHours", "0")]
    [TestCase("CheckIn:MedicineLookbackHours", "169")]
    public void OutOfRange_StopsStartUp_NamingIt(string key, string value)
    {
        using var host = new ServiceHost(new Dictionary<string, string?> { [key] = value });
        var error = Assert.Catch(() => host.CreateClient().Dispose());
        Assert.That(error, Is.InstanceOf<OptionsValidationException>());
        Assert.That(error!.Message, Does.Contain(key));
        Assert.That(ConfigurationCheck.Problems(Configuration(new() { [key] = value })), Has.Some.StartWith($"{key}: "));
    }

    [TestCase("CheckIn:Lifetime", "24", "Lifetime")]
    [TestCase("CheckIn:MaxCodeLifetimeHours", "two weeks", "CheckIn:MaxCodeLifetimeHours")]
    public void AnUnknownOrMistypedKey_StopsStartUp_NamingIt(string key, string value, string named)
    {
        using var host = new ServiceHost(new Dictionary<string, string?> { [key] = value });
        var error = Assert.Catch(() => host.CreateClient().Dispose());
        Assert.That(error!.ToString(), Does.Contain(named));
        Assert.That(ConfigurationCheck.Problems(Configuration(new() { [key] = value })), Has.Some.Contain(named));
    }

    [Test]
    public void ALifetimeShorterThanTheWindow_CapsTheCode()
    {
        using var host = new ServiceHost(new Dictionary<string, string?> { ["CheckIn:MaxCodeLifetimeHours"] = "6" });
        Assert.That(host.Services.GetRequiredService<IOptions<CheckInSettings>>().Value.MaxCodeLifetimeHours, Is.EqualTo(6));
    }
}
