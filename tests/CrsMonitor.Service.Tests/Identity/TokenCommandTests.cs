using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Identity;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CrsMonitor.Service.Tests.Identity;

/// <summary>The <c>token</c> verb, called in-process as Program calls it.</summary>
public sealed class TokenCommandTests
{
    private static readonly IdentitySettings Development = new();
    private TempDirectory data = null!;
    private FakeTimeProvider time = null!;

    [SetUp]
    public void CreateDataFolder()
    {
        data = new TempDirectory();
        time = new FakeTimeProvider(ServiceHost.Start);
    }

    [TearDown]
    public void DeleteDataFolder() => data.Dispose();

    [Test]
    public async Task Token_PrintsOneLineThatTheRunningServiceAccepts_WithRoleUnitsAndSub()
    {
        using var host = new ServiceHost();
        var (code, stdout, stderr) = Run(host.Data.Path, host.Time, "--role", "nurse", "--unit", "7W", "--unit", "8E", "--sub", "nurse-42");
        Assert.That(code, Is.EqualTo(0), stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1));

        using var client = host.ClientWith(lines[0].Trim());
        var me = await client.GetFromJsonAsync<JsonObject>("/api/me");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(me!["subject"]!.GetValue<string>(), Is.EqualTo("nurse-42"));
            Assert.That(me["roles"]!.AsArray().Select(r => r!.GetValue<string>()), Is.EqualTo(new[] { "nurse" }));
            Assert.That(me["units"]!.AsArray().Select(u => u!.GetValue<string>()), Is.EqualTo(new[] { "7W", "8E" }));
        }

        using var evaluate = await client.PostAsync("/api/grading/evaluate", ServiceHost.Json("""{"crs":{"temperature":{"value":37,"unit":"Cel"}}}"""));
        Assert.That(evaluate.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public void Token_Defaults_SubIsDevRole_PersonLives480Minutes()
    {
        var token = Decode(Run(data.Path, time, "--role", "physician").Stdout);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(token.Subject, Is.EqualTo("dev-physician"));
            Assert.That(token.GetClaim("role").Value, Is.EqualTo("physician"));
            Assert.That(token.Issuer, Is.EqualTo(DevSigningKey.Issuer));
            Assert.That(token.Audiences, Is.EqualTo(new[] { DevSigningKey.Audience }));
            Assert.That(token.ValidTo - token.IssuedAt, Is.EqualTo(TimeSpan.FromMinutes(480)));
            Assert.That(token.IssuedAt, Is.EqualTo(ServiceHost.Start.UtcDateTime));
        }
    }

    [Test]
    public void Token_Integration_DefaultsToFiveMinutes()
    {
        var token = Decode(Run(data.Path, time, "--role", "integration").Stdout);
        Assert.That(token.ValidTo - token.IssuedAt, Is.EqualTo(TimeSpan.FromMinutes(5)));
    }

    [Test]
    public void Token_MinutesOption_SetsTheLifetime()
    {
        var token = Decode(Run(data.Path, time, "--role=admin", "--minutes=90").Stdout);
        Assert.That(token.ValidTo - token.IssuedAt, Is.EqualTo(TimeSpan.FromMinutes(90)));
    }

    [TestCase("6")]
    [TestCase("60")]
    public void Token_IntegrationOverFiveMinutes_IsRefusedWithExitCode2(string minutes)
    {
        var (code, stdout, stderr) = Run(data.Path, time, "--role", "integration", "--minutes", minutes);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(TokenCommand.BadArguments));
            Assert.That(stdout, Is.Empty);
            Assert.That(stderr, Does.Contain("integration tokens live 1 to 5 minutes"));
        }
    }

    [TestCase(new string[0], "--role is required")]
    [TestCase(new[] { "--role" }, "--role needs a value")]
    [TestCase(new[] { "--role", "janitor" }, "unknown role 'janitor'")]
    [TestCase(new[] { "--role", "nurse", "--minutes", "abc" }, "--minutes 'abc'")]
    [TestCase(new[] { "--role", "nurse", "--minutes", "0" }, "--minutes '0'")]
    [TestCase(new[] { "--role", "nurse", "--minutes", "-5" }, "--minutes '-5'")]
    [TestCase(new[] { "--role", "nurse", "--minutes", "1441" }, "--minutes '1441'")]
    [TestCase(new[] { "--role", "nurse", "--minutes", "1.5" }, "--minutes '1.5'")]
    [TestCase(new[] { "--role", "nurse", "--ward", "7W" }, "unknown option '--ward'")]
    [TestCase(new[] { "--role", "nurse", "extra" }, "unknown option 'extra'")]
    [TestCase(new[] { "--role", "nurse", "--unit", "7 W" }, "--unit '7 W'")]
    public void Token_BadArguments_ExitCode2_NamingTheProblemWithUsage(string[] args, string problem)
    {
        var (code, stdout, stderr) = Run(data.Path, time, args);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(TokenCommand.BadArguments));
            Assert.That(stdout, Is.Empty);
            Assert.That(stderr, Does.Contain(problem));
            Assert.That(stderr, Does.Contain("usage:"));
        }
    }

    [Test]
    public void Token_UnderOpenIdConnectConfiguration_IsRefused_AndNoKeyIsCreated()
    {
        var oidc = new IdentitySettings { Authority = "https://idp.hospital.example/realms/main", Audience = "crsmonitor" };
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = TokenCommand.Run(["--role", "nurse"], oidc, new DataDirectory(data.Path), time, stdout, stderr);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(TokenCommand.Refused));
            Assert.That(stdout.ToString(), Is.Empty);
            Assert.That(stderr.ToString(), Does.Contain("Identity:Authority"));
            Assert.That(File.Exists(Path.Combine(data.Path, DevSigningKey.FileName)), Is.False);
        }
    }

    [Test]
    public void Token_FirstRun_CreatesAn256BitKeyReadableOnlyByTheOwner()
    {
        var folder = Path.Combine(data.Path, "fresh", "data");
        Assert.That(Run(folder, time, "--role", "nurse").Code, Is.EqualTo(0));
        var file = Path.Combine(folder, DevSigningKey.FileName);
        var key = JsonNode.Parse(File.ReadAllText(file))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(key["kty"]!.GetValue<string>(), Is.EqualTo("oct"));
            Assert.That(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(key["k"]!.GetValue<string>()), Has.Length.EqualTo(32));
            if (!OperatingSystem.IsWindows())
            {
                Assert.That(File.GetUnixFileMode(file), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            }
        }
    }

    [Test]
    public void Token_SecondRun_ReusesTheSameKey()
    {
        var first = Decode(Run(data.Path, time, "--role", "nurse").Stdout);
        var second = Decode(Run(data.Path, time, "--role", "nurse").Stdout);
        Assert.That(second.Kid, Is.EqualTo(first.Kid));
    }

    [Test]
    public void Token_DamagedKeyFile_IsRefusedWithExitCode1NamingTheFile()
    {
        File.WriteAllText(Path.Combine(data.Path, DevSigningKey.FileName), "{ not json");
        var (code, _, stderr) = Run(data.Path, time, "--role", "nurse");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(TokenCommand.Refused));
            Assert.That(stderr, Does.Contain(DevSigningKey.FileName).And.Contain("Delete the file"));
        }
    }

    private static (int Code, string Stdout, string Stderr) Run(string folder, TimeProvider clock, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = TokenCommand.Run(args, Development, new DataDirectory(folder), clock, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static JsonWebToken Decode(string stdout) => new(stdout.Trim());
}
