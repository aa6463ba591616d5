using System.Net;
using System.Net.Sockets;
using CrsMonitor.Service.Hl7v2.Mllp;
using CrsMonitor.Service.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using static CrsMonitor.Service.Tests.Hl7v2.Mllp.MllpKit;

namespace CrsMonitor.Service.Tests.Hl7v2.Mllp;

/// <summary>
/// Section <c>Mllp</c> through <see cref="MllpRegistration.AddMllpListener"/> in a host of its own: defaults, every
/// refusal naming its key, unknown keys, certificates that cannot be used, and a port in use failing start-up.
/// </summary>
public sealed class MllpSettingsTests
{
    [Test]
    public void Defaults_AreOff_OnThisMachineOnly_AndHaveNoProblems()
    {
        var defaults = MllpSettings.FromConfiguration(new ConfigurationBuilder().Build());
        Assert.That(defaults.Enabled, Is.False);
        Assert.That(defaults.EndPoint(), Is.EqualTo(new IPEndPoint(IPAddress.Loopback, 2575)));
        Assert.That(defaults.Networks().Select(n => n.ToString()), Is.EqualTo(new[] { "127.0.0.0/8", "::1/128" }));
        Assert.That((defaults.MaxConnections, defaults.MaxMessageBytes, defaults.IdleTimeoutSeconds), Is.EqualTo((64, 1048576, 300)));
        Assert.That(defaults.UsesTls, Is.False);
        Assert.That(defaults.RequiresClientCertificate, Is.False);
        Assert.That(defaults.Problems(), Is.Empty);
    }

    [Test]
    public void AConfiguredAllowedNetworksList_ReplacesTheDefault()
    {
        var settings = MllpSettings.FromConfiguration(Configuration(new() { ["Mllp:AllowedNetworks:0"] = "10.20.0.0/16" }));
        Assert.That(settings.Networks().Select(n => n.ToString()), Is.EqualTo(new[] { "10.20.0.0/16" }));
    }

    [Test]
    public void TheShippedAppSettings_StateTheBuiltInDefaults()
    {
        var shipped = MllpSettings.FromConfiguration(new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build());
        var defaults = new MllpSettings();
        Assert.That(
            (shipped.Enabled, shipped.Address, shipped.Port, shipped.CertificatePath, shipped.CertificateKeyPath, shipped.CertificatePasswordFile,
                shipped.MaxConnections, shipped.MaxMessageBytes, shipped.IdleTimeoutSeconds),
            Is.EqualTo((defaults.Enabled, defaults.Address, defaults.Port, defaults.CertificatePath, defaults.CertificateKeyPath, defaults.CertificatePasswordFile,
                defaults.MaxConnections, defaults.MaxMessageBytes, defaults.IdleTimeoutSeconds)));
        Assert.That(shipped.AllowedNetworks, Is.Empty);
        Assert.That(shipped.ClientCertificateThumbprints, Is.Empty);
    }

    [TestCase("Mllp:Address", "localhost", "Mllp:Address")]
    [TestCase("Mllp:Address", "300.1.1.1", "Mllp:Address")]
    [TestCase("Mllp:Port", "65536", "Mllp:Port")]
    [TestCase("Mllp:Port", "-1", "Mllp:Port")]
    [TestCase("Mllp:AllowedNetworks:0", "10.0.0.0/33", "Mllp:AllowedNetworks")]
    [TestCase("Mllp:AllowedNetworks:0", "the ward", "Mllp:AllowedNetworks")]
    [TestCase("Mllp:MaxConnections", "0", "Mllp:MaxConnections")]
    [TestCase("Mllp:MaxConnections", "10001", "Mllp:MaxConnections")]
    [TestCase("Mllp:MaxMessageBytes", "1023", "Mllp:MaxMessageBytes")]
    [TestCase("Mllp:MaxMessageBytes", "67108865", "Mllp:MaxMessageBytes")]
    [TestCase("Mllp:IdleTimeoutSeconds", "4", "Mllp:IdleTimeoutSeconds")]
    [TestCase("Mllp:IdleTimeoutSeconds", "86401", "Mllp:IdleTimeoutSeconds")]
    [TestCase("Mllp:ClientCertificateThumbprints:0", "ABCDEF", "Mllp:ClientCertificateThumbprints")]
    [TestCase("Mllp:CertificateKeyPath", "/etc/crsmonitor/mllp.key", "Mllp:CertificateKeyPath")]
    [TestCase("Mllp:CertificatePasswordFile", "/etc/crsmonitor/mllp.password", "Mllp:CertificatePasswordFile")]
    public async Task AnInvalidSetting_StopsStartUp_NamingIt(string key, string value, string named)
    {
        using var host = Host(new() { [key] = value });
        var error = await Assert.CatchAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.That(error!.Message, Does.Contain(named));
        Assert.That(MllpSettings.FromConfiguration(Configuration(new() { [key] = value })).Problems(), Has.Some.StartWith(named));
    }

    [Test]
    public void ASha1Thumbprint_IsRefusedAsSuch()
    {
        var settings = new MllpSettings { CertificatePath = "x.pfx", ClientCertificateThumbprints = [new string('a', 40)] };
        Assert.That(settings.Problems(), Has.Some.Contain("Mllp:ClientCertificateThumbprints").And.Some.Contain("SHA-1"));
    }

    [Test]
    public void ClientCertificateThumbprints_WithoutACertificate_AreRefused()
    {
        var settings = new MllpSettings { ClientCertificateThumbprints = [new string('a', 64)] };
        Assert.That(settings.Problems(), Is.EqualTo(new[]
        {
            "Mllp:ClientCertificateThumbprints needs Mllp:CertificatePath: client certificates are asked for in the TLS handshake.",
        }));
    }

    [TestCase("Mllp:Prot", "2575", "Prot")]
    [TestCase("Mllp:Port", "twenty-five", "Mllp:Port")]
    [TestCase("Mllp:Enabled", "sometimes", "Mllp:Enabled")]
    public async Task AnUnknownOrMistypedKey_StopsStartUp_NamingIt(string key, string value, string named)
    {
        using var host = Host(new() { [key] = value });
        var error = await Assert.CatchAsync(() => host.StartAsync());
        Assert.That(error!.ToString(), Does.Contain(named));
    }

    [Test]
    public async Task AMissingCertificate_StopsStartUp_NamingCertificatePath()
    {
        using var folder = new TempDirectory();
        var missing = Path.Combine(folder.Path, "nowhere.pfx");
        using var host = Host(new() { ["Mllp:Enabled"] = "true", ["Mllp:Port"] = "0", ["Mllp:CertificatePath"] = missing });
        var error = await Assert.CatchAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.That(error!.Message, Does.Contain($"Mllp:CertificatePath: '{missing}' does not exist"));
    }

    [Test]
    public async Task AWrongPfxPassword_StopsStartUp_NamingThePasswordFile()
    {
        using var folder = new TempDirectory();
        using var certificate = SelfSigned("localhost", server: true);
        var pfx = Path.Combine(folder.Path, "server.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, "right"));
        var password = Path.Combine(folder.Path, "password");
        await File.WriteAllTextAsync(password, "wrong");
        using var host = Host(new()
        {
            ["Mllp:Enabled"] = "true", ["Mllp:Port"] = "0", ["Mllp:CertificatePath"] = pfx, ["Mllp:CertificatePasswordFile"] = password,
        });
        var error = await Assert.CatchAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.That(error!.Message, Does.Contain($"Mllp:CertificatePath: '{pfx}' could not be read as a PKCS#12 (PFX) file").And.Contain("Mllp:CertificatePasswordFile"));
    }

    [Test]
    public void APemCertificateWithoutItsKey_StopsStartUp_NamingTheSetting()
    {
        using var folder = new TempDirectory();
        using var certificate = SelfSigned("localhost", server: true);
        var pem = Path.Combine(folder.Path, "server.crt");
        File.WriteAllText(pem, certificate.ExportCertificatePem());
        var problems = new MllpSettings { Enabled = true, CertificatePath = pem }.Problems();
        Assert.That(problems, Has.Count.EqualTo(1));
        Assert.That(problems[0], Does.StartWith("Mllp:CertificatePath: the certificate"));
    }

    [Test]
    public async Task APortInUse_FailsStartUp_NamingAddressAndPort()
    {
        using var occupier = new TcpListener(IPAddress.Loopback, 0);
        occupier.Start();
        var port = ((IPEndPoint)occupier.LocalEndpoint).Port;
        using var host = Host(new() { ["Mllp:Enabled"] = "true", ["Mllp:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        var error = await Assert.CatchAsync<StartupConfigurationException>(() => host.StartAsync());
        Assert.That(error!.Message, Does.StartWith($"Mllp:Address/Mllp:Port: cannot listen on 127.0.0.1:{port} (AddressAlreadyInUse"));
    }

    [Test]
    public async Task Registered_Enabled_OnPortZero_ServesThroughTheHost()
    {
        var handler = new RecordingHandler();
        using var host = Host(new() { ["Mllp:Enabled"] = "true", ["Mllp:Port"] = "0" }, handler);
        await host.StartAsync();
        try
        {
            var endPoint = host.Services.GetRequiredService<MllpListener>().LocalEndPoint!;
            using var client = await ConnectAsync(endPoint);
            await client.GetStream().WriteAsync(Frame("MSH|hosted"));
            Assert.That(await ReadFrameAsync(client.GetStream()), Is.EqualTo(Frame(AckOf("MSH|hosted"))));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Test]
    public async Task Registered_Disabled_StartsWithoutListening()
    {
        using var host = Host([]);
        await host.StartAsync();
        Assert.That(host.Services.GetRequiredService<MllpListener>().LocalEndPoint, Is.Null);
        await host.StopAsync();
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    private static IHost Host(Dictionary<string, string?> values, IMllpMessageHandler? handler = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(values);
        builder.Services.AddSingleton(handler ?? new RecordingHandler());
        builder.Services.AddMllpListener(builder.Configuration);
        return builder.Build();
    }
}
