using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Hosting;

internal static class SettingsBinding
{
    /// <summary>
    /// Binds one configuration section strictly: an unknown key (a typo such as <c>Grading:IceMinimumAge</c>) or a
    /// value of the wrong type stops start-up with a message naming it, instead of silently keeping a default.
    /// </summary>
    public static T Bind<T>(IConfiguration configuration, string section, T target)
        where T : class
    {
        try
        {
            configuration.GetSection(section).Bind(target, o => o.ErrorOnUnknownConfiguration = true);
            return target;
        }
        catch (InvalidOperationException e)
        {
            throw new StartupConfigurationException($"Configuration section '{section}' is not valid: {e.Message}", e);
        }
    }

    /// <summary>Registers <typeparamref name="T"/> bound from <paramref name="section"/>, checked before the host starts.</summary>
    public static OptionsBuilder<T> AddStrictSettings<T>(this IServiceCollection services, string section)
        where T : class =>
        services.AddOptions<T>()
            .Configure<IConfiguration>((target, configuration) => Bind(configuration, section, target))
            .ValidateOnStart();
}
