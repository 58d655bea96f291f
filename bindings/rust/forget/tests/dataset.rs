//! Datasets: constructors and their checks, accessors, subsets (as set
//! properties over random requests), CSV and IDX loading.
mod common;

use common::{clusters, Rng, TempPath};
use forget::{Dataset, ErrorKind, Library, Task};

fn sample() -> Dataset {
    let (x, labels, ids) = clusters(60, 3, 4, 5);
    // ids not in row order: a permutation of 1000.. scaled
    let ids: Vec<u64> = ids.iter().map(|i| (i * 7919) % 100_003).collect();
    Dataset::classification(3, &x, &labels, Some(&ids)).unwrap()
}

#[test]
fn accessors_return_what_was_given() {
    let _lib = Library::init().unwrap();
    let (x, labels, ids) = clusters(25, 3, 4, 9);
    let d = Dataset::classification(3, &x, &labels, Some(&ids)).unwrap();
    assert_eq!(
        (d.rows(), d.features(), d.classes(), d.target_dim()),
        (25, 3, 4, 0)
    );
    assert_eq!(d.task(), Some(Task::Classification));
    assert_eq!(d.x().unwrap(), &x[..]);
    assert_eq!(d.x_vec().unwrap(), x);
    assert_eq!(d.labels().unwrap(), &labels[..]);
    assert_eq!(d.ids(), &ids[..]);
    assert_eq!(d.targets(), None);
    assert_eq!(d.copy_rows(3..5).unwrap(), x[9..15].to_vec());
    assert_eq!(d.copy_rows(25..26).unwrap_err().kind(), ErrorKind::Invalid);
    // new() infers the feature count; ids default to 0..n-1
    let e = Dataset::new(&x, &labels, None).unwrap();
    assert_eq!(e.features(), 3);
    assert_eq!(e.ids(), &(0..25).collect::<Vec<u64>>()[..]);

    let targets: Vec<f32> = (0..50).map(|i| i as f32 * 0.5).collect();
    let r = Dataset::regression(3, &x, 2, &targets, None).unwrap();
    assert_eq!(
        (r.task(), r.target_dim(), r.classes()),
        (Some(Task::Regression), 2, 0)
    );
    assert_eq!(r.targets().unwrap(), &targets[..]);
    assert_eq!(r.labels(), None);

    let u = Dataset::unlabeled(3, &x, Some(&ids)).unwrap();
    assert_eq!(u.labels().unwrap(), &[0; 25][..]);
    assert_eq!(u.x().unwrap(), &x[..]);

    let empty = Dataset::classification(3, &[], &[], None).unwrap();
    assert_eq!((empty.rows(), empty.features()), (0, 3));
    assert_eq!(empty.ids(), &[] as &[u64]);
    assert_eq!(empty.x().unwrap(), &[] as &[f32]);
}

#[test]
fn bad_input_is_refused() {
    let _lib = Library::init().unwrap();
    let kind = |r: forget::Result<Dataset>| r.unwrap_err().kind();
    let x = [0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0];
    assert_eq!(
        kind(Dataset::classification(2, &x[..5], &[0, 1, 0], None)),
        ErrorKind::Invalid
    );
    assert_eq!(
        kind(Dataset::classification(0, &[], &[], None)),
        ErrorKind::Invalid
    );
    assert_eq!(
        kind(Dataset::classification(2, &x, &[0, 1, 0], Some(&[1, 2]))),
        ErrorKind::Invalid
    );
    let err = Dataset::classification(2, &x, &[0, -1, 0], None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert!(err.message.contains("row 1"), "{err}");
    let err = Dataset::classification(2, &x, &[0, 1, 0], Some(&[4, 9, 4])).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert!(err.message.contains('4'), "{err}");
    for bad in [f32::NAN, f32::INFINITY] {
        let mut y = x;
        y[5] = bad;
        let err = Dataset::classification(2, &y, &[0, 1, 0], None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid);
        assert!(err.message.contains("row 2"), "{err}");
        let err = Dataset::regression(2, &x, 1, &[0.0, bad, 1.0], None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid, "{err}");
    }
    assert_eq!(
        kind(Dataset::regression(2, &x, 2, &[0.0; 5], None)),
        ErrorKind::Invalid
    );
    assert_eq!(
        kind(Dataset::regression(2, &x, 0, &[], None)),
        ErrorKind::Invalid
    );
    let r = Dataset::regression(2, &x, 1, &[0.0; 3], None).unwrap();
    assert_eq!(kind(r.subset_class(0)), ErrorKind::Invalid);
}

/// Random requests: the subset holds the named rows in the source's order,
/// the exclusion the others, the complement equals the exclusion, and the
/// rows keep their features and labels.
#[test]
fn subsets_are_set_operations() {
    let _lib = Library::init().unwrap();
    let d = sample();
    let (ids, x, labels) = (
        d.ids().to_vec(),
        d.x().unwrap().to_vec(),
        d.labels().unwrap().to_vec(),
    );
    let mut rng = Rng::new(77);
    for round in 0..20 {
        let mut pick: Vec<u64> = ids.iter().copied().filter(|_| rng.next() > 0.3).collect();
        // any order in the request
        pick.reverse();
        if round % 2 == 0 {
            let third = pick.len() / 3;
            pick.rotate_left(third);
        }
        let sub = d.subset_ids(&pick).unwrap();
        let rest = d.exclude_ids(&pick).unwrap();
        let expected: Vec<u64> = ids.iter().copied().filter(|i| pick.contains(i)).collect();
        let others: Vec<u64> = ids.iter().copied().filter(|i| !pick.contains(i)).collect();
        assert_eq!(sub.ids(), &expected[..]);
        assert_eq!(rest.ids(), &others[..]);
        assert_eq!(d.complement(&sub).unwrap().ids(), &others[..]);
        assert_eq!(sub.classes(), d.classes());
        for (k, id) in sub.ids().iter().enumerate() {
            let row = d.find(*id).unwrap();
            assert_eq!(
                &sub.x().unwrap()[k * 3..k * 3 + 3],
                &x[row * 3..row * 3 + 3]
            );
            assert_eq!(sub.labels().unwrap()[k], labels[row]);
        }
    }
    for c in 0..4 {
        let class = d.subset_class(c).unwrap();
        assert_eq!(class.rows(), labels.iter().filter(|l| **l == c).count());
        assert!(class.labels().unwrap().iter().all(|l| *l == c));
    }
    assert_eq!(d.subset_class(9).unwrap().rows(), 0);
    let s = d.slice(10..17).unwrap();
    assert_eq!(s.ids(), &ids[10..17]);
    assert_eq!(d.slice(50..61).unwrap_err().kind(), ErrorKind::Invalid);
    for (row, id) in ids.iter().enumerate() {
        assert_eq!(d.find(*id), Some(row));
    }
    assert_eq!(d.find(u64::MAX), None);
    // a missing id names itself; a repeated one is invalid
    let err = d.subset_ids(&[ids[0], 123_456_789]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.message.contains("123456789"), "{err}");
    assert_eq!(
        d.exclude_ids(&[ids[1], ids[1]]).unwrap_err().kind(),
        ErrorKind::Invalid
    );
    let stranger = Dataset::classification(3, &[0.0; 3], &[0], Some(&[424242])).unwrap();
    assert_eq!(
        d.complement(&stranger).unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[test]
fn csv_files() {
    let _lib = Library::init().unwrap();
    let file = TempPath::new("data.csv");
    std::fs::write(
        &file.0,
        "id,a,b,label\n17,0.5,1.5,2\n3,-1,2e1,0\n\n99,4,5,1\n",
    )
    .unwrap();
    let d = Dataset::load_csv(&file.0, "header=true label=-1 id=0").unwrap();
    assert_eq!((d.rows(), d.features(), d.classes()), (3, 2, 3));
    assert_eq!(d.ids(), &[17, 3, 99]);
    assert_eq!(d.labels().unwrap(), &[2, 0, 1]);
    assert_eq!(d.x().unwrap(), &[0.5, 1.5, -1.0, 20.0, 4.0, 5.0]);
    let r = Dataset::load_csv(&file.0, "header=true label=-1 id=0 task=regression").unwrap();
    assert_eq!(r.targets().unwrap(), &[2.0, 0.0, 1.0]);

    std::fs::write(&file.0, "1;2;0\n3;x;1\n").unwrap();
    let err = Dataset::load_csv(&file.0, "delimiter=; label=-1").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Format);
    assert!(err.message.contains("line 2"), "{err}");
    let err = Dataset::load_csv(&file.0, "delimiter=; label=-1 colour=blue").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Param);
    assert!(err.message.contains("colour"), "{err}");
    let err = Dataset::load_csv(file.0.with_extension("missing"), "").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
}

/// IDX images of unsigned bytes: 3-D (n x 2 x 3), flattened to 6 features.
fn idx_files(n: usize) -> (TempPath, TempPath, Vec<u8>, Vec<u8>) {
    let pixels: Vec<u8> = (0..n * 6).map(|i| (i * 37 % 256) as u8).collect();
    let labels: Vec<u8> = (0..n).map(|i| (i % 3) as u8).collect();
    let mut img = vec![0, 0, 0x08, 3];
    for dim in [n as u32, 2, 3] {
        img.extend_from_slice(&dim.to_be_bytes());
    }
    img.extend_from_slice(&pixels);
    let mut lab = vec![0, 0, 0x08, 1];
    lab.extend_from_slice(&(n as u32).to_be_bytes());
    lab.extend_from_slice(&labels);
    let (i, l) = (TempPath::new("images.idx"), TempPath::new("labels.idx"));
    std::fs::write(&i.0, &img).unwrap();
    std::fs::write(&l.0, &lab).unwrap();
    (i, l, pixels, labels)
}

#[test]
fn idx_files_in_floats_and_bytes() {
    let _lib = Library::init().unwrap();
    let (images, labels, pixels, classes) = idx_files(9);
    let d = Dataset::load_idx(&images.0, &labels.0, "").unwrap();
    assert_eq!((d.rows(), d.features()), (9, 6));
    let expected: Vec<f32> = pixels.iter().map(|p| *p as f32 / 255.0).collect();
    assert_eq!(d.x().unwrap(), &expected[..]);
    let want: Vec<i32> = classes.iter().map(|c| *c as i32).collect();
    assert_eq!(d.labels().unwrap(), &want[..]);
    assert_eq!(d.ids(), &(0..9).collect::<Vec<u64>>()[..]);

    let raw = Dataset::load_idx(&images.0, &labels.0, "normalize=false limit=4").unwrap();
    assert_eq!(raw.rows(), 4);
    assert_eq!(
        raw.x().unwrap()[..6],
        pixels[..6].iter().map(|p| *p as f32).collect::<Vec<_>>()[..]
    );

    let bytes = Dataset::load_idx(&images.0, &labels.0, "storage=bytes").unwrap();
    assert_eq!(bytes.x(), None);
    assert_eq!(bytes.x_vec().unwrap(), expected);
    assert_eq!(bytes.copy_rows(2..4).unwrap(), expected[12..24].to_vec());
    assert_eq!(
        bytes.subset_ids(&[5]).unwrap().x_vec().unwrap(),
        expected[30..36].to_vec()
    );

    // a header that promises more than the file holds
    let mut img = std::fs::read(&images.0).unwrap();
    img.truncate(img.len() - 1);
    std::fs::write(&images.0, &img).unwrap();
    let err = Dataset::load_idx(&images.0, &labels.0, "").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Format, "{err}");
}

/// Datasets are Sync: many threads read one.
#[test]
fn read_from_several_threads() {
    let _lib = Library::init().unwrap();
    let d = sample();
    let ids = d.ids().to_vec();
    std::thread::scope(|s| {
        for t in 0..4 {
            let (d, ids) = (&d, &ids);
            s.spawn(move || {
                for k in (t..ids.len()).step_by(4) {
                    assert_eq!(d.find(ids[k]), Some(k));
                    assert_eq!(d.subset_ids(&[ids[k]]).unwrap().ids(), &[ids[k]]);
                }
            });
        }
    });
}
