using Microsoft.Extensions.Configuration.Json;
using CrsMonitor.Service.Hosting.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CrsMonitor.Service.Hosting;

/// <summary>What every run of the service gets, whatever features are on.</summary>
public static class HostDefaults
{
    /// <summary>The address of the embedded default (api-contract.md); <c>--urls</c>, <c>ASPNETCORE_URLS</c> etc. override it.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static void ApplyCrsMonitorDefaults(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddSettingsFilesBesideAssembly(builder);
        if (!HasExplicitEndpoints(builder.Configuration))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddCorrelationLogScope(builder.Configuration);
        builder.Services.AddSingleton(sp => DataDirectory.FromConfiguration(sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddHostedService<DataDirectoryPreparation>();
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ProblemMessages.Customize);
        builder.Services.AddHealthChecks().AddCheck<DataDirectoryHealthCheck>("data-directory", tags: [HealthEndpoints.ReadyTag]);
    }

    /// <summary>
    /// <c>dotnet run --project src/CrsMonitor.Service</c> keeps the caller's current directory (the content root), where
    /// there is no appsettings.json; the build copies it beside the assembly. Those files are then read with the lowest
    /// priority, so environment variables and the command line still override them.
    /// </summary>
    private static void AddSettingsFilesBesideAssembly(WebApplicationBuilder builder)
    {
        var contentRoot = builder.Environment.ContentRootPath;
        if (File.Exists(Path.Combine(contentRoot, "appsettings.json"))
            || !File.Exists(Path.Combine(AppContext.BaseDirectory, "appsettings.json")))
        {
            return;
        }

        string[] files = ["appsettings.json", $"appsettings.{builder.Environment.EnvironmentName}.json"];
        for (var i = files.Length - 1; i >= 0; i--)
        {
            var source = new JsonConfigurationSource { Path = Path.Combine(AppContext.BaseDirectory, files[i]), Optional = true };
            source.ResolveFileProvider();
            builder.Configuration.Sources.Insert(0, source);
        }
    }

    /// <summary>
    /// The dashboard's files: <c>wwwroot</c> of the current directory when there is one (<c>dotnet run --project</c>, a
    /// published folder started in place), else the copy the build puts beside the assembly (a build output started
    /// from elsewhere); null leaves ASP.NET Core's default.
    /// </summary>
    public static string? WebRoot()
    {
        if (Directory.Exists(Path.Combine(Directory.GetCurrentDirectory(), "wwwroot")))
        {
            return null;
        }

        var besideAssembly = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        return Directory.Exists(besideAssembly) ? besideAssembly : null;
    }

    private static bool HasExplicitEndpoints(ConfigurationManager configuration) =>
        !string.IsNullOrEmpty(configuration["urls"])
        || !string.IsNullOrEmpty(configuration["http_ports"])
        || !string.IsNullOrEmpty(configuration["https_ports"])
        || configuration.GetSection("Kestrel:Endpoints").Exists();

    /// <summary>Creates the data folder before the server takes requests, so a bad path stops start-up.</summary>
    private sealed class DataDirectoryPreparation(DataDirectory data) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            data.EnsureExists();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>Plain-language messages for the bodies the framework writes (401, 403, 404, 405).</summary>
public static class ProblemMessages
{
    /// <summary>HttpContext.Items key under which the bearer handler leaves a more precise 401 message.</summary>
    public const string UnauthorizedDetailKey = "crsmonitor.unauthorized-detail";

    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        problem.Detail ??= problem.Status switch
        {
            StatusCodes.Status401Unauthorized => context.HttpContext.Items[UnauthorizedDetailKey] as string
                ?? "A valid bearer token is required (Authorization: Bearer <token>).",
            StatusCodes.Status403Forbidden => "Your role is not allowed to use this endpoint.",
            StatusCodes.Status404NotFound => "There is nothing at this address.",
            StatusCodes.Status405MethodNotAllowed => "This address does not accept this HTTP method.",
            _ => null,
        };
    }
}
