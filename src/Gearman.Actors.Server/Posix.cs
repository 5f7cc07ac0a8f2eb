using System.Runtime.InteropServices;

namespace Gearman.Actors.Server;

/// <summary>The few process calls gearmand's flags need that .NET has no API for (-d, -u, -f); Linux only.</summary>
internal static partial class Posix
{
    private const int RlimitNofile = 7;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setsid();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, out RLimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, in RLimit limit);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr getpwnam(string name);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int initgroups(string user, uint group);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setgid(uint gid);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setuid(uint uid);

    /// <summary>Leaves the terminal's session, as a daemon does.</summary>
    public static void NewSession() => setsid();

    /// <summary>Raises (or lowers) the open-file limit; the hard limit too when the process may.</summary>
    public static void SetOpenFileLimit(int count)
    {
        if (getrlimit(RlimitNofile, out var limit) != 0) throw Error("getrlimit");
        var wanted = new RLimit { Current = (ulong)count, Max = Math.Max(limit.Max, (ulong)count) };
        if (setrlimit(RlimitNofile, wanted) == 0) return;
        throw Error($"cannot set the open-file limit to {count} (hard limit {limit.Max})");
    }

    /// <summary>Becomes <paramref name="user"/>: its groups, its group, then its uid, as gearmand's -u does.</summary>
    public static void SwitchUser(string user)
    {
        var entry = getpwnam(user);
        if (entry == IntPtr.Zero) throw new ArgumentException($"-u: no user \"{user}\"");
        // struct passwd { char *pw_name; char *pw_passwd; uid_t pw_uid; gid_t pw_gid; ... }
        var uid = (uint)Marshal.ReadInt32(entry, 2 * IntPtr.Size);
        var gid = (uint)Marshal.ReadInt32(entry, 2 * IntPtr.Size + 4);
        if (initgroups(user, gid) != 0) throw Error($"-u {user}: initgroups");
        if (setgid(gid) != 0) throw Error($"-u {user}: setgid");
        if (setuid(uid) != 0) throw Error($"-u {user}: setuid");
    }

    private static ArgumentException Error(string what) =>
        new($"{what}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
}
