namespace PveEmulator;

/// <summary>Start-up settings of an emulated PVE node (the `serve` command line maps onto these).</summary>
public sealed class EmulatorOptions
{
    /// <summary>Default root@pam password when none is given.</summary>
    public const string DefaultRootPassword = "Emulator-Root-1";

    /// <summary>The pve-manager version the emulator answers as; it selects the version-dependent behaviour.</summary>
    public string PveVersion { get; set; } = "9.2.0";

    public string RootPassword { get; set; } = DefaultRootPassword;

    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>Optional JSON seed file with users, groups, tokens, ACLs and roles.</summary>
    public string? SeedFile { get; set; }

    /// <summary>E-mail address of root@pam (a fresh node has the one given at installation).</summary>
    public string RootEmail { get; set; } = "admin@example.com";

    /// <summary>Delay of every failed authentication (real PVE: about 3 s).</summary>
    public int AuthFailureDelayMs { get; set; } = 3000;

    /// <summary>Ticket lifetime (real PVE: 2 h).</summary>
    public int TicketLifetimeSeconds { get; set; } = 7200;
}
