using CrsMonitor.Service.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Identity;

/// <summary>The development key the running service validates with, loaded (or created) once, at start-up.</summary>
public sealed class DevSigningKeyStore(DataDirectory data, TimeProvider time)
{
    private readonly Lazy<DevSigningKey> key = new(() => DevSigningKey.LoadOrCreate(data, time));

    public DevSigningKey Current => key.Value;

    public string FilePath => data.PathOf(DevSigningKey.FileName);
}

/// <summary>Loads the development key before requests are taken, so a damaged key file stops start-up.</summary>
internal sealed class DevSigningKeyPreparation(IOptions<IdentitySettings> settings, DevSigningKeyStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!settings.Value.UsesOpenIdConnect)
        {
            _ = store.Current;
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Readiness (development mode): the key file still holds the key the service validates with. A deleted or replaced
/// file means new <c>token</c> verb tokens would be refused until a restart.
/// </summary>
internal sealed class SigningKeyHealthCheck(IOptions<IdentitySettings> settings, DevSigningKeyStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (settings.Value.UsesOpenIdConnect)
        {
            return Task.FromResult(HealthCheckResult.Healthy("OpenID Connect: signing keys come from the identity provider"));
        }

        try
        {
            var onDisk = File.Exists(store.FilePath) ? DevSigningKey.Load(store.FilePath) : null;
            return Task.FromResult(onDisk?.KeyId == store.Current.KeyId
                ? HealthCheckResult.Healthy("development signing key loaded")
                : HealthCheckResult.Unhealthy("development signing key file is missing or was replaced; restart the service"));
        }
        catch (StartupConfigurationException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("development signing key file cannot be read"));
        }
    }
}
