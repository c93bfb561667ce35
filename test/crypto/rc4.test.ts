import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rc4, rc4 } from '../../src/crypto/rc4.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The offsets RFC 6229 section 2 lists, each followed by 16 keystream bytes. */
const OFFSETS = [0, 16, 240, 256, 496, 512, 752, 768, 1008, 1024, 1520, 1536, 2032, 2048, 3056, 3072, 4080, 4096];

/** RFC 6229 section 2 tables: key, then the 16 keystream bytes at each offset of OFFSETS. */
const RFC6229: { name: string; key: string; stream: string[] }[] = [
  {
    name: '40-bit key 0x0102030405',
    key: '0102030405',
    stream: [
      'b2396305f03dc027ccc3524a0a1118a8',
      '6982944f18fc82d589c403a47a0d0919',
      '28cb1132c96ce286421dcaadb8b69eae',
      '1cfcf62b03eddb641d77dfcf7f8d8c93',
      '42b7d0cdd918a8a33dd51781c81f4041',
      '6459844432a7da923cfb3eb4980661f6',
      'ec10327bde2beefd18f9277680457e22',
      'eb62638d4f0ba1fe9fca20e05bf8ff2b',
      '45129048e6a0ed0b56b490338f078da5',
      '30abbcc7c20b01609f23ee2d5f6bb7df',
      '3294f744d8f9790507e70f62e5bbceea',
      'd8729db41882259bee4f825325f5a130',
      '1eb14a0c13b3bf47fa2a0ba93ad45b8b',
      'cc582f8ba9f265e2b1be9112e975d2d7',
      'f2e30f9bd102ecbf75aaade9bc35c43c',
      'ec0e11c479dc329dc8da7968fe965681',
      '068326a2118416d21f9d04b2cd1ca050',
      'ff25b58995996707e51fbdf08b34d875',
    ],
  },
  {
    name: '56-bit key 0x01020304050607',
    key: '01020304050607',
    stream: [
      '293f02d47f37c9b633f2af5285feb46b',
      'e620f1390d19bd84e2e0fd752031afc1',
      '914f02531c9218810df60f67e338154c',
      'd0fdb583073ce85ab83917740ec011d5',
      '75f81411e871cffa70b90c74c592e454',
      '0bb87202938dad609e87a5a1b079e5e4',
      'c2911246b612e7e7b903dfeda1dad866',
      '32828f91502b6291368de8081de36fc2',
      'f3b9a7e3b297bf9ad804512f9063eff1',
      '8ecb67a9ba1f55a5a067e2b026a3676f',
      'd2aa902bd42d0d7cfd340cd45810529f',
      '78b272c96e42eab4c60bd914e39d06e3',
      'f4332fd31a079396ee3cee3f2a4ff049',
      '05459781d41fda7f30c1be7e1246c623',
      'adfd3868b8e51485d5e610017e3dd609',
      'ad26581c0c5be45f4cea01db2f3805d5',
      'f3172ceffc3b3d997c85ccd5af1a950c',
      'e74b0b9731227fd37c0ec08a47ddd8b8',
    ],
  },
  {
    name: '64-bit key 0x0102030405060708',
    key: '0102030405060708',
    stream: [
      '97ab8a1bf0afb96132f2f67258da15a8',
      '8263efdb45c4a18684ef87e6b19e5b09',
      '9636ebc9841926f4f7d1f362bddf6e18',
      'd0a990ff2c05fef5b90373c9ff4b870a',
      '73239f1db7f41d80b643c0c52518ec63',
      '163b319923a6bdb4527c626126703c0f',
      '49d6c8af0f97144a87df21d91472f966',
      '44173a103b6616c5d5ad1cee40c863d0',
      '273c9c4b27f322e4e716ef53a47de7a4',
      'c6d0e7b226259fa9023490b26167ad1d',
      '1fe8986713f07c3d9ae1c163ff8cf9d3',
      '8369e1a965610be887fbd0c79162aafb',
      '0a0127abb44484b9fbef5abcae1b579f',
      'c2cdadc6402e8ee866e1f37bdb47e42c',
      '26b51ea37df8e1d6f76fc3b66a7429b3',
      'bc7683205d4f443dc1f29dda3315c87b',
      'd5fa5a3469d29aaaf83d23589db8c85b',
      '3fb46e2c8f0f068edce8cdcd7dfc5862',
    ],
  },
  {
    name: '128-bit key 0x0102030405060708090a0b0c0d0e0f10',
    key: '0102030405060708090a0b0c0d0e0f10',
    stream: [
      '9ac7cc9a609d1ef7b2932899cde41b97',
      '5248c4959014126a6e8a84f11d1a9e1c',
      '065902e4b620f6cc36c8589f66432f2b',
      'd39d566bc6bce3010768151549f3873f',
      'b6d1e6c4a5e4771cad79538df295fb11',
      'c68c1d5c559a974123df1dbc52a43b89',
      'c5ecf88de897fd57fed301701b82a259',
      'eccbe13de1fcc91c11a0b26c0bc8fa4d',
      'e7a72574f8782ae26aabcf9ebcd66065',
      'bdf0324e6083dcc6d3cedd3ca8c53c16',
      'b40110c4190b5622a96116b0017ed297',
      'ffa0b514647ec04f6306b892ae661181',
      'd03d1bc03cd33d70dff9fa5d71963ebd',
      '8a44126411eaa78bd51e8d87a8879bf5',
      'fabeb76028ade2d0e48722e46c4615a3',
      'c05d88abd50357f935a63c59ee537623',
      'ff38265c1642c1abe8d3c2fe5e572bf8',
      'a36a4c301ae8ac13610ccbc12256cacc',
    ],
  },
  {
    name: '40-bit key 0x833222772a',
    key: '833222772a',
    stream: [
      '80ad97bdc973df8a2e879e92a497efda',
      '20f060c2f2e5126501d3d4fea10d5fc0',
      'faa148e99046181fec6b2085f3b20ed9',
      'f0daf5bab3d596839857846f73fbfe5a',
      '1c7e2fc4639232fe297584b296996bc8',
      '3db9b249406cc8edffac55ccd322ba12',
      'e4f9f7e0066154bbd125b745569bc897',
      '75d5ef262b44c41a9cf63ae14568e1b9',
      '6da453dbf81e82334a3d8866cb50a1e3',
      '7828d074119cab5c22b294d7a9bfa0bb',
      'adb89cea9a15fbe617295bd04b8ca05c',
      '6251d87fd4aaae9a7e4ad5c217d3f300',
      'e7119bd6dd9b22afe8f89585432881e2',
      '785b60fd7ec4e9fcb6545f350d660fab',
      'afecc037fdb7b0838eb3d70bcd268382',
      'dbc1a7b49d57358cc9fa6d61d73b7cf0',
      '6349d126a37afcba89794f9804914fdc',
      'bf42c3018c2f7c66bfde524975768115',
    ],
  },
  {
    name: '128-bit key 0xebb46227c6cc8b37641910833222772a',
    key: 'ebb46227c6cc8b37641910833222772a',
    stream: [
      '720c94b63edf44e131d950ca211a5a30',
      'c366fdeacf9ca80436be7c358424d20b',
      'b3394a40aabf75cba42282ef25a0059f',
      '4847d81da4942dbc249defc48c922b9f',
      '08128c469f275342adda202b2b58da95',
      '970dacef40ad98723bac5d6955b81761',
      '3cb89993b07b0ced93de13d2a11013ac',
      'ef2d676f1545c2c13dc680a02f4adbfe',
      'b60595514f24bc9fe522a6cad7393644',
      'b515a8c5011754f59003058bdb81514e',
      '3c70047e8cbc038e3b9820db601da495',
      '1175da6ee756de46a53e2b075660b770',
      '00a542bba02111cc2c65b38ebdba587e',
      '5865fdbb5b48064104e830b380f2aede',
      '34b21ad2ad44e999db2d7f0863f0d9b6',
      '84a9218fc36e8a5f2ccfbeae53a27d25',
      'a2221a11b833ccb498a59540f0545f4a',
      '5bbeb4787d59e5373fdbea6c6f75c29b',
    ],
  },
];

describe('rc4', () => {
  describe('RFC 6229 keystreams', () => {
    for (const { name, key, stream } of RFC6229) {
      it(name, () => {
        assert.equal(stream.length, OFFSETS.length);
        // Encrypting zeros yields the keystream itself.
        const ks = rc4(Buffer.from(key, 'hex'), new Uint8Array(4096 + 16));
        OFFSETS.forEach((offset, i) => {
          assert.equal(hex(ks.subarray(offset, offset + 16)), stream[i], `offset ${offset}`);
        });
      });
    }
  });

  it('stream state carries across update() calls split at odd boundaries', () => {
    for (const { key } of RFC6229) {
      const k = Buffer.from(key, 'hex');
      const plain = Buffer.alloc(4112);
      for (let i = 0; i < plain.length; i++) plain[i] = (i * 131 + 7) & 0xff;
      const whole = rc4(k, plain);
      const cipher = new Rc4(k);
      const pieces: Buffer[] = [];
      const cuts = [0, 1, 2, 5, 6, 17, 255, 256, 257, 999, 1000, 3001, 4111, 4112];
      for (let i = 1; i < cuts.length; i++) {
        pieces.push(cipher.update(plain.subarray(cuts[i - 1], cuts[i])));
      }
      pieces.push(cipher.update(new Uint8Array(0)));
      assert.deepEqual(Buffer.concat(pieces), whole);
    }
  });

  it('byte-by-byte updates equal one call', () => {
    const k = Buffer.from('0102030405', 'hex');
    const c = new Rc4(k);
    const out = Buffer.alloc(300);
    for (let i = 0; i < 300; i++) out[i] = c.update(new Uint8Array(1))[0]!;
    assert.deepEqual(out, rc4(k, new Uint8Array(300)));
  });

  it('decryption is encryption with a fresh stream', () => {
    const k = Buffer.from('833222772a', 'hex');
    const msg = Buffer.from('NTLM sealing relies on RC4 state carrying across messages');
    const ct = rc4(k, msg);
    assert.notDeepEqual(ct, msg);
    assert.deepEqual(rc4(k, ct), msg);
  });

  it('independent instances do not share state; input is not modified', () => {
    const k = Buffer.from('0102030405060708', 'hex');
    const a = new Rc4(k);
    const b = new Rc4(k);
    const zeros = new Uint8Array(32);
    const a1 = a.update(zeros);
    const b1 = b.update(zeros);
    assert.deepEqual(a1, b1);
    assert.deepEqual(zeros, new Uint8Array(32));
    assert.ok(Buffer.isBuffer(a1));
  });

  it('accepts keys of 1 and 256 bytes, rejects 0 and 257 with RangeError', () => {
    assert.equal(rc4(new Uint8Array(1), new Uint8Array(4)).length, 4);
    assert.equal(rc4(new Uint8Array(256).fill(7), new Uint8Array(4)).length, 4);
    assert.throws(() => new Rc4(new Uint8Array(0)), RangeError);
    assert.throws(() => new Rc4(new Uint8Array(257)), RangeError);
    assert.throws(() => rc4(new Uint8Array(0), new Uint8Array(1)), RangeError);
  });
});
