using CrsMonitor.Service.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Hl7v2.Mllp;

public static class MllpRegistration
{
    /// <summary>
    /// The MLLP listener (section <c>Mllp</c>, checked strictly before the host starts) as a hosted service. It is
    /// always registered and does nothing while <c>Mllp:Enabled</c> is false (the setting is read when the host starts,
    /// so a test host's settings count). An <see cref="IMllpMessageHandler"/> must be registered too.
    /// </summary>
    public static IServiceCollection AddMllpListener(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<MllpSettings>()
            .Configure(target => SettingsBinding.Bind(configuration, MllpSettings.SectionName, target))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<MllpSettings>, MllpSettingsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<MllpMetrics>();
        services.TryAddSingleton(sp => new MllpListener(
            new DeferredMessageHandler(sp), sp.GetRequiredService<IOptions<MllpSettings>>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<MllpListener>>(), sp.GetService<IHostApplicationLifetime>(), sp.GetService<MllpMetrics>()));
        services.AddHostedService(sp => sp.GetRequiredService<MllpListener>());
        return services;
    }
}
