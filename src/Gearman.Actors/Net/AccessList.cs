using System.Net;
using System.Net.Sockets;

namespace Gearman.Actors.Net;

/// <summary>
/// Address blocks that a peer's address is checked against (<c>gearman.allow</c>, <c>gearman.admin-allow</c>).
/// An empty list lets every address in: gearmand checks none, and a drop-in replacement must accept what it
/// accepted until the operator says otherwise.
/// </summary>
public sealed class AccessList
{
    public static readonly AccessList Everyone = new([]);

    private readonly IPNetwork[] _blocks;

    private AccessList(IPNetwork[] blocks) => _blocks = blocks;

    public bool AllowsEveryone => _blocks.Length == 0;

    /// <summary>The blocks in CIDR form, as given (a single address becomes a /32 or /128).</summary>
    public IReadOnlyList<string> Blocks => Array.ConvertAll(_blocks, b => b.ToString());

    /// <summary>
    /// Reads addresses (<c>10.1.2.3</c>, <c>::1</c>) and blocks (<c>10.0.0.0/8</c>, <c>fd00::/8</c>); blank entries
    /// are skipped. A block with bits set past its prefix (<c>10.1.2.3/8</c>) is refused rather than widened or
    /// narrowed silently: an access list that means something else than it says is worse than none.
    /// </summary>
    /// <exception cref="FormatException">An entry that is neither.</exception>
    public static AccessList Parse(IEnumerable<string> entries)
    {
        var blocks = new List<IPNetwork>();
        foreach (var raw in entries)
        {
            var entry = raw.Trim();
            if (entry.Length == 0) continue;
            var slash = entry.IndexOf('/');
            var addressPart = slash < 0 ? entry : entry[..slash];
            if (!IsPlainAddress(addressPart, out var address)) throw Bad(entry, "is not an address or an address block");
            if (slash < 0)
            {
                address = Canonical(address);
                blocks.Add(new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            }
            else if (IPNetwork.TryParse(entry, out var block) && block.BaseAddress.Equals(address)) blocks.Add(block);
            else throw Bad(entry, "is not an address block: its prefix length must fit the address, and the address must have no bits set past it");
        }
        return blocks.Count == 0 ? Everyone : new AccessList(blocks.ToArray());

        static FormatException Bad(string entry, string what) =>
            new($"\"{entry}\" {what} (such as 10.0.0.0/8, 192.168.1.20 or fd00::/8)");
    }

    /// <summary>
    /// A full address: IPv4 as four dotted numbers (IPAddress also reads "10.0.0" and "10" the way inet_aton does,
    /// which in an access list is far more likely a typo than a wish), IPv6 in any of its forms.
    /// </summary>
    private static bool IsPlainAddress(string text, out IPAddress address)
    {
        if (!IPAddress.TryParse(text, out address!)) return false;
        return address.AddressFamily != AddressFamily.InterNetwork || text.AsSpan().Count('.') == 3;
    }

    /// <summary>True if the peer may in. A peer that is not an IP endpoint is let in only by an empty list.</summary>
    public bool Allows(EndPoint? peer) => AllowsEveryone || (peer is IPEndPoint ip && Allows(ip.Address));

    public bool Allows(IPAddress address)
    {
        if (AllowsEveryone) return true;
        // A dual-stack socket shows an IPv4 peer as ::ffff:a.b.c.d; operators write IPv4 blocks for those.
        address = Canonical(address);
        foreach (var block in _blocks)
            if (block.Contains(address)) return true;
        return false;
    }

    private static IPAddress Canonical(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public override string ToString() => AllowsEveryone ? "everyone" : string.Join(",", Blocks);
}
