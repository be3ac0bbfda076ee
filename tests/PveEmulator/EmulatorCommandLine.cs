using System.Globalization;

namespace PveEmulator;

/// <summary>The `serve` command: prints one LISTENING line and serves until stdin closes.</summary>
internal static class EmulatorCommandLine
{
    private const string Usage =
        "usage: PveEmulator serve [--pve-version 9.2.0] [--root-password <pw>] [--port 0] [--seed <file.json>] " +
        "[--auth-failure-delay-ms <n>] [--ticket-lifetime-s <n>]";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] != "serve")
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var options = new EmulatorOptions();
        for (int i = 1; i < args.Length; i++)
        {
            string name = args[i];
            if (i + 1 >= args.Length)
            {
                Console.Error.WriteLine($"missing value for {name}\n{Usage}");
                return 2;
            }
            string value = args[++i];
            switch (name)
            {
                case "--pve-version": options.PveVersion = value; break;
                case "--root-password": options.RootPassword = value; break;
                case "--port": options.Port = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--seed": options.SeedFile = value; break;
                case "--auth-failure-delay-ms": options.AuthFailureDelayMs = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--ticket-lifetime-s": options.TicketLifetimeSeconds = int.Parse(value, CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"unknown option {name}\n{Usage}");
                    return 2;
            }
        }

        await using var host = await EmulatorHost.StartAsync(options);
        Console.Out.WriteLine($"LISTENING {host.Url} {host.CertificateSha256}");
        Console.Out.Flush();

        // Serve until whoever started us closes our standard input (or kills us).
        await Task.Run(() =>
        {
            using var stdin = Console.OpenStandardInput();
            var buffer = new byte[256];
            while (stdin.Read(buffer, 0, buffer.Length) > 0) { }
        });
        return 0;
    }
}
